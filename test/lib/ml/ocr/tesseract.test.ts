import { describe, expect, it } from 'vitest';
import { checkTesseract, TesseractReader } from '#lib/ml/ocr/tesseract';
import { EngineUnavailableError } from '#lib/ml/types';
import { captionFrame } from '#test/support/engine-media';

/** Real tesseract and its English data, on frames ffmpeg draws captions on (cached in the temp folder). */
const reader = new TesseractReader();

describe('TesseractReader', () => {
  it('reads a caption drawn over a test pattern in a 720p frame', async () => {
    const frame = await captionFrame({
      background: 'testsrc=s=1280x720',
      captions: [{ text: 'Welcome to the annual meeting', fontSize: 40, colour: 'yellow', style: 'box=1:boxcolor=black@0.7:boxborderw=10' }],
    });

    expect(await reader.read(frame)).toBe('Welcome to the annual meeting');
  });

  it('reads small text in a 320x240 frame', async () => {
    const frame = await captionFrame({ background: 'color=c=black:s=320x240', captions: [{ text: 'Exit at gate seven', fontSize: 16, colour: 'white' }] });

    expect(await reader.read(frame)).toBe('Exit at gate seven');
  });

  it('puts separate captions on separate lines', async () => {
    const frame = await captionFrame({
      background: 'color=c=0x1f3a93:s=1280x720',
      captions: [
        { text: 'Chapter Three', fontSize: 64, colour: 'white', bold: true, y: '100' },
        { text: 'Installing the new kitchen faucet', fontSize: 36, colour: 'white' },
      ],
    });

    expect(await reader.read(frame)).toBe('Chapter Three\nInstalling the new kitchen faucet');
  });

  it('reads nothing in a frame without text, flat or busy', async () => {
    const flat = await captionFrame({ background: 'color=c=0x404040:s=1280x720', captions: [] });
    const busy = await captionFrame({ background: 'mandelbrot=s=1280x720', captions: [] });

    expect(await reader.read(flat)).toBe('');
    expect(await reader.read(busy)).toBe('');
  });

  it('reads a batch larger than one Tesseract process takes, each text with its own frame, in order', async () => {
    const caption = (text: string) => captionFrame({ background: 'color=c=black:s=640x360', captions: [{ text, fontSize: 40, colour: 'white' }] });
    const blank = await captionFrame({ background: 'color=c=0x404040:s=640x360', captions: [] });
    const frames: Buffer[] = Array.from({ length: 40 }, () => blank);
    // Two batches: captions at the start, just past the boundary (index 32) and at the end.
    [frames[0], frames[32], frames[39]] = await Promise.all([caption('Harbor 6'), caption('Meadow 6'), caption('Lantern 7')]);

    const texts = await reader.readAll(frames);

    expect(texts).toHaveLength(40);
    expect([texts[0], texts[32], texts[39]]).toEqual(['Harbor 6', 'Meadow 6', 'Lantern 7']);
    expect(texts.filter((text) => text !== '')).toHaveLength(3);
  });

  it('refuses bytes that are not a picture', async () => {
    await expect(reader.read(Buffer.from('not an image'))).rejects.toThrow();
    await expect(reader.read(Buffer.from('not an image'))).rejects.not.toBeInstanceOf(EngineUnavailableError);
  });

  it('names itself with the version of the binary', () => {
    expect(reader.id).toMatch(/^tesseract@\d+\.\d+\.\d+/);
  });

  it('is unavailable, with how to install it, when the binary is missing', async () => {
    const frame = await captionFrame({ background: 'color=c=black:s=320x240', captions: [{ text: 'Exit at gate seven', fontSize: 16, colour: 'white' }] });
    const missing = new TesseractReader({ binary: '/nonexistent/tesseract' });

    const failure = missing.read(frame);

    await expect(failure).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(failure).rejects.toThrow(/apt-get install tesseract-ocr tesseract-ocr-eng/);
  });

  it('is unavailable when the language data is missing', async () => {
    const frame = await captionFrame({ background: 'color=c=black:s=320x240', captions: [{ text: 'Exit at gate seven', fontSize: 16, colour: 'white' }] });

    await expect(new TesseractReader({ language: 'xyz' }).read(frame)).rejects.toBeInstanceOf(EngineUnavailableError);
  });
});

describe('checkTesseract', () => {
  it('finds the installed binary and English data', async () => {
    expect(await checkTesseract()).toBeUndefined();
  });

  it('says what is missing and how to install it', async () => {
    expect(await checkTesseract('no-such-tesseract')).toMatch(/no-such-tesseract is not installed.*bin\/setup/);
    expect(await checkTesseract(undefined, 'xyz')).toMatch(/no language data for xyz/);
  });
});

import { describe, expect, it } from 'vitest';
import { readOnScreenText } from '#lib/indexing/chunk';
import { signatureDistance, textSignature } from '#lib/indexing/text-signature';
import { TesseractReader } from '#lib/ml/ocr/tesseract';
import type { TextReader } from '#lib/ml/types';
import { captionFrame, type Caption } from '#test/support/engine-media';

const BEIGE = 'color=c=beige:s=1280x720';
const CAPTION: Caption = { text: 'ORCHID PAVILION', fontSize: 44, colour: 'black' };

/** Tesseract, counting the frames it is asked to read. */
function countingReader(): TextReader & { framesRead: number } {
  const tesseract = new TesseractReader();
  const reader = {
    id: tesseract.id,
    framesRead: 0,
    read: (image: Buffer) => tesseract.read(image),
    readAll: (images: readonly Buffer[]) => {
      reader.framesRead += images.length;
      return tesseract.readAll(images);
    },
  };
  return reader;
}

describe('text signature', () => {
  it('moves when a caption appears on a flat picture, and not for the same picture again', async () => {
    const [plain, again, captioned] = await Promise.all([
      captionFrame({ background: BEIGE, captions: [] }),
      captionFrame({ background: BEIGE, captions: [] }),
      captionFrame({ background: BEIGE, captions: [CAPTION] }),
    ]);

    const [a, b, c] = await Promise.all([plain, again, captioned].map(textSignature));

    expect(signatureDistance(a ?? new Float32Array(), b ?? new Float32Array())).toBe(0);
    expect(signatureDistance(a ?? new Float32Array(), c ?? new Float32Array())).toBeGreaterThan(0.1);
  });
});

describe('readOnScreenText', () => {
  it('reads a caption appearing on an unchanged picture, looks between the samples for its start, and skips frames whose text cannot have changed', async () => {
    // Arrange: samples at 0, 2, 4, 6 s; the caption shows from 3 s (the frame at 3 s has it, the one at 1 s does not)
    const [plain, captioned] = await Promise.all([captionFrame({ background: BEIGE, captions: [] }), captionFrame({ background: BEIGE, captions: [CAPTION] })]);
    const frames = [0, 2, 4, 6].map((time) => ({ time, jpeg: time < 3 ? plain : captioned }));
    const asked: number[] = [];
    const reader = countingReader();

    // Act
    const read = await readOnScreenText(frames, reader, async (secs) => {
      asked.push(secs);
      return { time: secs, jpeg: secs < 3 ? plain : captioned };
    });

    // Assert
    expect(asked).toEqual([3]);
    expect(read.frames.map((frame) => frame.time)).toEqual([0, 2, 3, 4, 6]);
    expect(read.texts.map((text) => text.includes('ORCHID PAVILION'))).toEqual([false, false, true, true, true]);
    // 0 s and 4 s (signature moved), then 3 s in between; 2 s and 6 s show what 0 s and 4 s showed.
    expect(reader.framesRead).toBe(3);
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import { checkPocketSphinx, parseWordTimes, PocketSphinxTranscriber } from '#lib/ml/speech/pocketsphinx';
import { EngineUnavailableError } from '#lib/ml/types';
import { silentPcm, spokenPcm } from '#test/support/engine-media';
import { wordErrorRate } from '#test/support/wer';

/** Real pocketsphinx_continuous and the Debian US-English model, on speech Festival makes (cached in the temp folder). */
const SENTENCE = 'The museum will close at six this evening, so please make your way to the main entrance.';
const LEADING_SILENCE_SECS = 1.5;
const BYTES_PER_SECOND = 32_000;

async function sentenceAfterSilence(): Promise<Buffer> {
  return Buffer.concat([silentPcm(LEADING_SILENCE_SECS), await spokenPcm(SENTENCE)]);
}

describe('PocketSphinxTranscriber', () => {
  it.each(['fast', 'accurate'] as const)('transcribes a spoken sentence with the %s preset, word times in order and within the audio', async (preset) => {
    const pcm = await sentenceAfterSilence();
    const durationSecs = pcm.length / BYTES_PER_SECOND;

    const words = await new PocketSphinxTranscriber({ preset }).transcribe(pcm);

    const heard = words.map((word) => word.word).join(' ');
    expect(wordErrorRate(SENTENCE, heard)).toBeLessThanOrEqual(0.1);
    // Times count from the start of the audio given: the silence before the speech is in them.
    expect(words[0].start).toBeGreaterThanOrEqual(LEADING_SILENCE_SECS);
    for (const [index, word] of words.entries()) {
      expect(word.end).toBeGreaterThan(word.start);
      expect(word.end).toBeLessThanOrEqual(durationSecs);
      if (index > 0) expect(word.start).toBeGreaterThanOrEqual(words[index - 1].end);
    }
  });

  it('answers the same words and times for the same audio', async () => {
    const pcm = await spokenPcm('Please make your way to the main entrance.');
    const transcriber = new PocketSphinxTranscriber({ preset: 'fast' });

    const [first, second] = [await transcriber.transcribe(pcm), await transcriber.transcribe(pcm)];

    expect(first.length).toBeGreaterThan(0);
    expect(second).toEqual(first);
  });

  it('hears nothing in silence, or in no audio at all', async () => {
    const transcriber = new PocketSphinxTranscriber({ preset: 'fast' });

    expect(await transcriber.transcribe(silentPcm(3))).toEqual([]);
    expect(await transcriber.transcribe(Buffer.alloc(0))).toEqual([]);
  });

  it('names itself with the package version, model and preset', () => {
    expect(new PocketSphinxTranscriber({ preset: 'fast' }).id).toMatch(/^pocketsphinx@\S*5prealpha\S*-en-us-fast-v1$/);
    expect(new PocketSphinxTranscriber({ preset: 'accurate' }).id).toMatch(/-en-us-accurate-v2$/);
  });

  it('is unavailable, with how to install it, when the binary is missing', async () => {
    const transcriber = new PocketSphinxTranscriber({ preset: 'fast', binary: '/nonexistent/pocketsphinx_continuous' });

    const failure = transcriber.transcribe(await spokenPcm(SENTENCE));

    await expect(failure).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(failure).rejects.toThrow(/apt-get install pocketsphinx pocketsphinx-en-us/);
  });

  it('is unavailable when the model is missing', async () => {
    const transcriber = new PocketSphinxTranscriber({ preset: 'fast', modelDir: '/nonexistent/model/en-us' });

    await expect(transcriber.transcribe(await spokenPcm(SENTENCE))).rejects.toBeInstanceOf(EngineUnavailableError);
  });
});

describe('checkPocketSphinx', () => {
  it('finds the installed binary and model', async () => {
    expect(await checkPocketSphinx()).toBeUndefined();
  });

  it('says what is missing and how to install it', async () => {
    expect(await checkPocketSphinx('no-such-pocketsphinx')).toMatch(/no-such-pocketsphinx is not installed.*bin\/setup/);
    expect(await checkPocketSphinx(undefined, '/nonexistent/en-us')).toMatch(/model is missing/);
  });
});

describe('parseWordTimes', () => {
  it('keeps words of every utterance, without fillers or alternate-pronunciation marks, ending at their last frame', () => {
    const output = [
      'the quick brown fox',
      '<s> 0.090 0.140 1.000000',
      'the(2) 0.150 0.260 0.874052',
      '[NOISE] 0.270 0.300 0.5',
      'quick 0.310 0.530 0.156701',
      '<sil> 0.540 0.600 0.615786',
      '</s> 0.610 0.700 1.000000',
      'brown fox',
      '<s> 2.400 2.460 1.000000',
      'brown 2.470 2.930 0.994316',
      'fox 2.940 3.440 1.000200',
    ].join('\n');

    expect(parseWordTimes(output, 3.2)).toEqual([
      { word: 'the', start: 0.15, end: 0.27 },
      { word: 'quick', start: 0.31, end: 0.54 },
      { word: 'brown', start: 2.47, end: 2.94 },
      // Never past the end of the audio.
      { word: 'fox', start: 2.94, end: 3.2 },
    ]);
  });
});

import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RekognitionTextReader } from '#lib/ml/ocr/aws-rekognition';
import { EngineUnavailableError } from '#lib/ml/types';
import { startAwsEngineStandIn, DEFAULT_TEXT_DETECTIONS, type RunningAwsEngineStandIn } from '#test/support/aws-engine-standins';

/** The real Rekognition SDK, signing with the test's fake credentials, against the local awsJson1_1 stand-in. */
let standIn: RunningAwsEngineStandIn;

beforeAll(async () => {
  standIn = await startAwsEngineStandIn();
});
afterEach(() => {
  standIn.heal();
  standIn.setTextDetections(DEFAULT_TEXT_DETECTIONS);
});
afterAll(() => standIn.stop());

function reader(): RekognitionTextReader {
  return new RekognitionTextReader({ region: 'us-east-1', endpoint: standIn.url });
}

function frame(): Promise<Buffer> {
  return sharp({ create: { width: 640, height: 360, channels: 3, background: '#204060' } })
    .jpeg()
    .toBuffer();
}

describe('RekognitionTextReader', () => {
  it('sends the frame inline to a signed DetectText and returns its confident lines top to bottom', async () => {
    const image = await frame();
    const start = standIn.requests.length;

    const text = await reader().read(image);

    expect(text).toBe('Top headline\nBOTTOM CAPTION');
    const sent = standIn.requests.slice(start);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ target: 'RekognitionService.DetectText', signedFor: 'rekognition', body: { Image: { Bytes: image.toString('base64') } } });
  });

  it('keeps a line at exactly 80 % confidence, drops one just under, and orders lines sharing a top left to right', async () => {
    const box = (Top: number, Left: number) => ({ BoundingBox: { Top, Left, Width: 0.2, Height: 0.05 } });
    standIn.setTextDetections([
      { DetectedText: 'right', Type: 'LINE', Confidence: 80, Geometry: box(0.5, 0.6) },
      { DetectedText: 'left', Type: 'LINE', Confidence: 92, Geometry: box(0.5, 0.1) },
      { DetectedText: 'unsure', Type: 'LINE', Confidence: 79.9, Geometry: box(0.1, 0.1) },
      { DetectedText: '  ', Type: 'LINE', Confidence: 99, Geometry: box(0.2, 0.1) },
    ]);

    const text = await reader().read(await frame());

    expect(text).toBe('left\nright');
  });

  it('returns an empty string when Rekognition finds no text', async () => {
    standIn.setTextDetections([]);

    expect(await reader().read(await frame())).toBe('');
  });

  it('rides out one throttled answer through the SDK retry', async () => {
    standIn.failNext(1, 'throttling');
    const start = standIn.requests.length;

    const text = await reader().read(await frame());

    expect(text).toBe('Top headline\nBOTTOM CAPTION');
    expect(standIn.requests.length - start).toBe(2);
  });

  it('throws EngineUnavailableError once throttling outlasts the SDK retries', async () => {
    standIn.failNext(10, 'throttling');
    const start = standIn.requests.length;

    const error = await reader()
      .read(await frame())
      .catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(error).toMatchObject({ engine: 'aws-rekognition@detect-text', message: expect.stringContaining('ThrottlingException') });
    expect(standIn.requests.length - start).toBe(3);
  });

  it('throws EngineUnavailableError on a lasting 5xx', async () => {
    standIn.failNext(10, 'unavailable');

    await expect(reader().read(await frame())).rejects.toMatchObject({
      name: 'EngineUnavailableError',
      message: expect.stringContaining('InternalServerError'),
    });
  });

  it('re-encodes an image over Rekognition’s 5 MB limit before sending it', async () => {
    // Noise does not compress: an uncompressed PNG of it is ~17 MB.
    const noisy = await sharp(randomBytes(2400 * 2400 * 3), { raw: { width: 2400, height: 2400, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(noisy.length).toBeGreaterThan(5 * 1024 * 1024);
    const start = standIn.requests.length;

    const text = await reader().read(noisy);

    expect(text).toBe('Top headline\nBOTTOM CAPTION');
    const sent = Buffer.from(String((standIn.requests[start]?.body.Image as { Bytes: string }).Bytes), 'base64');
    expect(sent.length).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect(sent.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adaptClientToStandIn, startS3Local, type RunningS3 } from '#infra/local/s3';
import { useClock, useSystemClock } from '#lib/clock';
import { mediaBucket, s3 } from '#lib/storage/client';
import { presignGet, putObject } from '#lib/storage/objects';

/** presignGet against this file's S3 stand-in, which checks every signature and expiry. */
let storage: RunningS3;
const directory = mkdtempSync(join(tmpdir(), 'frameseek-s3-links-'));

beforeAll(async () => {
  const endpoint = process.env.FRAMESEEK_S3_ENDPOINT;
  if (!endpoint) throw new Error('per-file-env did not run');
  storage = await startS3Local({ port: Number(new URL(endpoint).port), directory, bucket: mediaBucket });
  adaptClientToStandIn(s3, mediaBucket);
  await putObject('videos/acc_links/thumb.jpg', Buffer.from('a thumbnail'), 'image/jpeg');
});
afterEach(() => useSystemClock());
afterAll(async () => {
  await storage.stop();
  rmSync(directory, { recursive: true, force: true });
});

/** A clock standing still `secs` into a five-minute window. */
function at(secs: number): void {
  const windowStart = Math.floor(Date.now() / 300_000) * 300_000;
  useClock({ now: () => new Date(windowStart + secs * 1000) });
}

function signedAt(url: string): { date: string | null; expires: number } {
  const query = new URL(url).searchParams;
  return { date: query.get('X-Amz-Date'), expires: Number(query.get('X-Amz-Expires')) };
}

describe('presignGet', () => {
  it('hands out one URL per object within a five-minute window, valid at least as long as asked, and fetchable', async () => {
    // Arrange
    at(10);
    const first = await presignGet('videos/acc_links/thumb.jpg', 3600);
    at(290);

    // Act
    const again = await presignGet('videos/acc_links/thumb.jpg', 3600);
    const shorter = await presignGet('videos/acc_links/thumb.jpg', 60);
    const fetched = await fetch(again);

    // Assert
    expect(again).toBe(first);
    expect(shorter).not.toBe(first);
    // Signed at the window's start, so valid 3600 s past its end: at least 3600 s from 290 s in.
    expect(signedAt(first).expires).toBe(3900);
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toBe('a thumbnail');
  });

  it('signs afresh in the next window, and a link whose signature is altered is refused', async () => {
    // Arrange
    at(10);
    const before = await presignGet('videos/acc_links/thumb.jpg', 3600);
    at(310);

    // Act
    const after = await presignGet('videos/acc_links/thumb.jpg', 3600);
    const tampered = new URL(after);
    tampered.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    const refused = await fetch(tampered);

    // Assert
    expect(after).not.toBe(before);
    expect(signedAt(after).date).not.toBe(signedAt(before).date);
    expect((await fetch(after)).status).toBe(200);
    expect(refused.status).toBe(403);
  });
});

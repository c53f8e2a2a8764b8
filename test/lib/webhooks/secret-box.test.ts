import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret } from '#lib/webhooks/secret-box';

/** The local data key: a file in this test file's data folder (per-file-env names it), made on first use. */
describe('sealed webhook secrets (AES-256-GCM under the deployment data key)', () => {
  it('round-trips, never stores the secret in clear, and uses a fresh IV each time', async () => {
    const secret = 'whsec_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

    const first = await sealSecret(secret);
    const second = await sealSecret(secret);

    expect(await openSecret(first)).toBe(secret);
    expect(JSON.stringify(first)).not.toContain('abcdefghij');
    expect(first.iv).not.toBe(second.iv);
    expect(first.ciphertext).not.toBe(second.ciphertext);
  });

  it('refuses a tampered ciphertext or tag', async () => {
    const sealed = await sealSecret('whsec_secret');
    const flipped = Buffer.from(sealed.ciphertext, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;

    await expect(openSecret({ ...sealed, ciphertext: flipped.toString('base64') })).rejects.toThrow();
    await expect(openSecret({ ...sealed, tag: Buffer.alloc(16).toString('base64') })).rejects.toThrow();
  });

  it('keeps the key file readable by its owner only', async () => {
    await sealSecret('whsec_any');

    const file = process.env.FRAMESEEK_WEBHOOK_KEY_FILE ?? '';

    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookSignatureError } from '#sdk/index';

/** The verifier against signatures made as api.md says the API makes them: HMAC-SHA256(secret, "<t>.<raw body>"). */

const SECRET = 'whsec_test_secret';
const NOW_MS = Date.UTC(2026, 11, 7, 12, 0, 0);
const BODY = JSON.stringify({ id: 'evt_1', event: 'job.completed', created_at: '2026-12-07T12:00:00.000Z', data: { job_id: 'job_1' } });

function signature(body: string, timestampSecs = NOW_MS / 1000, secret = SECRET): string {
  return `t=${timestampSecs},v1=${createHmac('sha256', secret).update(`${timestampSecs}.${body}`).digest('hex')}`;
}

describe('verifyWebhook', () => {
  it('accepts a delivery signed with the secret and returns its event', async () => {
    const event = await verifyWebhook({ payload: BODY, signature: signature(BODY), secret: SECRET, now: NOW_MS });

    expect(event).toEqual({ id: 'evt_1', event: 'job.completed', created_at: '2026-12-07T12:00:00.000Z', data: { job_id: 'job_1' } });
  });

  it('accepts the raw bytes too, and any one of several v1 signatures (a secret being rolled)', async () => {
    const header = `${signature(BODY)},v1=${'0'.repeat(64)}`.replace(/^(t=\d+),(v1=\w+),(v1=\w+)$/, '$1,$3,$2');

    const event = await verifyWebhook({ payload: new TextEncoder().encode(BODY), signature: header, secret: SECRET, now: NOW_MS });

    expect(event.id).toBe('evt_1');
  });

  it.each([
    ['a changed body', () => ({ payload: BODY.replace('job_1', 'job_2'), signature: signature(BODY) })],
    ['another secret', () => ({ payload: BODY, signature: signature(BODY, NOW_MS / 1000, 'whsec_other') })],
    ['a signature older than the tolerance', () => ({ payload: BODY, signature: signature(BODY, NOW_MS / 1000 - 301) })],
    ['no header', () => ({ payload: BODY, signature: undefined })],
    ['a malformed header', () => ({ payload: BODY, signature: 'v1=abc' })],
  ])('refuses %s', async (_case, delivery) => {
    const outcome = verifyWebhook({ ...delivery(), secret: SECRET, now: NOW_MS });

    await expect(outcome).rejects.toBeInstanceOf(WebhookSignatureError);
  });
});

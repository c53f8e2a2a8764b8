import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader } from '#lib/webhooks/signing';
import { verifyFrameseekSignature } from '#lib/webhooks/verify';

const SECRET = 'whsec_test_secret';
const BODY = '{"id":"evt_1","event":"job.completed","created_at":"2026-12-07T00:00:00.000Z","data":{}}';
const SENT_AT = 1_796_000_000;

describe('the signature (api.md: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>)', () => {
  it('is the HMAC of "<t>.<raw body>" in hex, one v1 per signing secret', () => {
    const expected = createHmac('sha256', SECRET).update(`${SENT_AT}.${BODY}`).digest('hex');

    const header = signatureHeader([SECRET, 'whsec_old'], SENT_AT, BODY);

    expect(header).toBe(`t=${SENT_AT},v1=${expected},v1=${createHmac('sha256', 'whsec_old').update(`${SENT_AT}.${BODY}`).digest('hex')}`);
  });
});

describe('verifyFrameseekSignature (the README verifier)', () => {
  const header = signatureHeader([SECRET], SENT_AT, BODY);

  it('accepts the body as sent, within 5 minutes either side', () => {
    expect(verifyFrameseekSignature(BODY, header, SECRET, { nowSecs: SENT_AT })).toBe(true);
    expect(verifyFrameseekSignature(BODY, header, SECRET, { nowSecs: SENT_AT + 300 })).toBe(true);
    expect(verifyFrameseekSignature(BODY, header, SECRET, { nowSecs: SENT_AT - 300 })).toBe(true);
  });

  it('rejects a replay: the same body and header later than the tolerance', () => {
    expect(verifyFrameseekSignature(BODY, header, SECRET, { nowSecs: SENT_AT + 301 })).toBe(false);
  });

  it('rejects a changed body, another secret, a changed timestamp and a malformed header', () => {
    expect(verifyFrameseekSignature(BODY.replace('completed', 'failed'), header, SECRET, { nowSecs: SENT_AT })).toBe(false);
    expect(verifyFrameseekSignature(BODY, header, 'whsec_other', { nowSecs: SENT_AT })).toBe(false);
    expect(verifyFrameseekSignature(BODY, header.replace(`t=${SENT_AT}`, `t=${SENT_AT + 1}`), SECRET, { nowSecs: SENT_AT })).toBe(false);
    for (const broken of ['', 'v1=abc', `t=${SENT_AT}`, `t=soon,v1=${'0'.repeat(64)}`, `t=${SENT_AT},v1=${'z'.repeat(64)}`]) {
      expect(verifyFrameseekSignature(BODY, broken, SECRET, { nowSecs: SENT_AT })).toBe(false);
    }
  });

  it('accepts a delivery signed with both secrets of a rotation under either one', () => {
    const rotating = signatureHeader(['whsec_new', SECRET], SENT_AT, BODY);

    expect(verifyFrameseekSignature(BODY, rotating, SECRET, { nowSecs: SENT_AT })).toBe(true);
    expect(verifyFrameseekSignature(BODY, rotating, 'whsec_new', { nowSecs: SENT_AT })).toBe(true);
  });
});

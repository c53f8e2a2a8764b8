import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The verifier customers copy (README, "Webhooks"): node:crypto only, so it runs anywhere Node does.
 * A request is genuine when one `v1` of `Frameseek-Signature: t=<unix>,v1=<hex>[,v1=<hex>]` is the
 * HMAC-SHA256 of "<t>.<raw body>" under the secret, and `t` is within `toleranceSecs` of now — so a
 * body captured once cannot be replayed later. Several `v1`s are sent while a rotated secret overlaps.
 */
export function verifyFrameseekSignature(
  rawBody: string,
  signatureHeader: string,
  secret: string,
  { toleranceSecs = 300, nowSecs = Math.floor(Date.now() / 1000) } = {},
): boolean {
  const parts = signatureHeader.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([name]) => name === 't')?.[1]);
  if (!Number.isInteger(timestamp) || Math.abs(nowSecs - timestamp) > toleranceSecs) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest();
  return parts
    .filter(([name, value]) => name === 'v1' && value !== undefined && /^[0-9a-f]{64}$/.test(value))
    .some(([, value]) => timingSafeEqual(Buffer.from(value ?? '', 'hex'), expected));
}

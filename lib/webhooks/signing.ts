import { createHmac } from 'node:crypto';

/**
 * The sending side of api.md's signature: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`,
 * one `v1` per secret that is signing now (two while a rotated secret's 24 h overlap runs, newest first).
 */
export function signatureHeader(secrets: readonly string[], timestampSecs: number, rawBody: string): string {
  const signatures = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(`${timestampSecs}.${rawBody}`).digest('hex')}`);
  return [`t=${timestampSecs}`, ...signatures].join(',');
}

import { isRecord } from './errors.ts';

/**
 * Verifying Frameseek's outgoing webhooks (api.md "Webhooks (outgoing)"): each delivery is a POST of
 * `{id, event, created_at, data}` with `Frameseek-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Uses Web Crypto, so it runs in Node 20+, Deno, Bun, workers and browsers alike.
 */
export const SIGNATURE_HEADER = 'Frameseek-Signature';

/** One delivery. `data` depends on `event` (job.completed, video.deleted, …); webhooks are not in the OpenAPI document. */
export interface WebhookEvent {
  id: string;
  event: string;
  created_at: string;
  data: unknown;
}

export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

export interface VerifyOptions {
  /** The body exactly as received (bytes or text): parsing and re-serialising it would change what was signed. */
  payload: string | Uint8Array;
  /** The Frameseek-Signature header's value. */
  signature: string | null | undefined;
  /** The endpoint's secret (whsec_…). */
  secret: string;
  /** How old a signature may be, against replays (default 300 s). */
  toleranceSecs?: number;
  /** Now, in milliseconds since the epoch (for tests). */
  now?: number;
}

/** Checks the signature and the age of a delivery; returns the parsed event, or throws WebhookSignatureError. */
export async function verifyWebhook(options: VerifyOptions): Promise<WebhookEvent> {
  const { timestamp, signatures } = parseSignatureHeader(options.signature);
  const ageSecs = Math.abs((options.now ?? Date.now()) / 1000 - timestamp);
  if (ageSecs > (options.toleranceSecs ?? 300)) throw new WebhookSignatureError(`the signature is ${Math.round(ageSecs)} s old`);

  const body = typeof options.payload === 'string' ? options.payload : new TextDecoder().decode(options.payload);
  const encoder = new TextEncoder();
  const key = await globalThis.crypto.subtle.importKey('raw', encoder.encode(options.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const signed = encoder.encode(`${timestamp}.${body}`);
  // subtle.verify compares in constant time: a mismatch takes as long wherever it is, so timing tells nothing.
  const verdicts = await Promise.all(signatures.map((signature) => globalThis.crypto.subtle.verify('HMAC', key, signature, signed)));
  if (!verdicts.includes(true)) throw new WebhookSignatureError('the signature does not match the body');

  const event: unknown = JSON.parse(body);
  if (!isRecord(event) || typeof event.id !== 'string' || typeof event.event !== 'string' || typeof event.created_at !== 'string') {
    throw new WebhookSignatureError('the signed body is not a Frameseek event');
  }
  return { id: event.id, event: event.event, created_at: event.created_at, data: event.data };
}

/** `t=<unix>,v1=<hex>[,v1=<hex>…]`: several v1 values may stand side by side while a secret is being rolled. */
function parseSignatureHeader(header: string | null | undefined): { timestamp: number; signatures: Uint8Array<ArrayBuffer>[] } {
  if (!header) throw new WebhookSignatureError(`no ${SIGNATURE_HEADER} header`);
  const pairs = header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(pairs.find(([name]) => name === 't')?.[1]);
  const signatures = pairs.flatMap(([name, value]) => (name === 'v1' && value && /^[0-9a-f]{64}$/i.test(value) ? [hexBytes(value)] : []));
  if (!Number.isInteger(timestamp) || signatures.length === 0) throw new WebhookSignatureError(`malformed ${SIGNATURE_HEADER} header`);
  return { timestamp, signatures };
}

function hexBytes(hex: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

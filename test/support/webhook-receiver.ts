import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { nowMs } from '#lib/clock';
import { verifyFrameseekSignature } from '#lib/webhooks/verify';

/** One request as the receiver got it, and whether the documented verifier accepted it. */
export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  rawBody: string;
  body: { id: string; event: string; created_at: string; data: Record<string, unknown> };
  /** Each secret registered for the path, in order: did the signature verify under it? */
  verifiedWith: boolean[];
  answered: number;
}

/**
 * A customer's webhook receiver on loopback (reachable through the URL guard only because its
 * host:port is on the test-only allow-list). Each path answers from its script of statuses (the last
 * one repeats; 200 when none) and checks signatures with the verifier the README documents.
 */
export interface WebhookReceiver {
  origin: string;
  received: ReceivedWebhook[];
  /** What a path answers, attempt by attempt (e.g. [500, 500, 500, 200]). */
  script(path: string, statuses: readonly number[]): void;
  /** The secrets a path's signatures are checked against. */
  trust(path: string, ...secrets: string[]): void;
  /** Resolves once `count` requests have arrived on `path`. */
  waitFor(path: string, count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { nowSecs: () => number }): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const scripts = new Map<string, number[]>();
  const secrets = new Map<string, string[]>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const script = scripts.get(path) ?? [];
      const answered = (script.length > 1 ? script.shift() : script[0]) ?? 200;
      const signature = String(request.headers['frameseek-signature'] ?? '');
      received.push({
        path,
        headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)])),
        rawBody,
        body: JSON.parse(rawBody) as ReceivedWebhook['body'],
        verifiedWith: (secrets.get(path) ?? []).map((secret) => verifyFrameseekSignature(rawBody, signature, secret, { nowSecs: options.nowSecs() })),
        answered,
      });
      response.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const on = (path: string) => received.filter((request) => request.path === path);
  return {
    origin,
    received,
    script: (path, statuses) => void scripts.set(path, [...statuses]),
    trust: (path, ...trusted) => void secrets.set(path, trusted),
    async waitFor(path, count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (on(path).length < count) {
        if (Date.now() > deadline) throw new Error(`${path} got ${on(path).length} of ${count} webhooks within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return on(path);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * One receiver for a whole test file, on the injectable clock and let through the URL guard by the
 * test-only allow-list: started before the file's tests, closed after them. Read it inside a test.
 */
export function useAllowedWebhookReceiver(): () => WebhookReceiver {
  let receiver: WebhookReceiver | undefined;
  beforeAll(async () => {
    receiver = await startWebhookReceiver({ nowSecs: () => Math.floor(nowMs() / 1000) });
    process.env.FRAMESEEK_URL_GUARD_ALLOW = new URL(receiver.origin).host;
  });
  afterAll(() => receiver?.close());
  return () => {
    if (!receiver) throw new Error('the webhook receiver is read before its beforeAll ran');
    return receiver;
  };
}

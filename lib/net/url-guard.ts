import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { config } from '#lib/config';
import { validationError } from '#lib/errors';

/**
 * The one gate for every outgoing fetch of a URL a customer gave us (source_url, image_url,
 * webhooks): http(s) only, and never to loopback, private, link-local, CGNAT, multicast or cloud
 * metadata addresses — checked on the resolved addresses, on every redirect, and the connection
 * is pinned to the address that was checked (no DNS rebinding between check and connect).
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // Unspecified, loopback and the deprecated IPv4-compatible block (::a.b.c.d, e.g. [::7f00:1]).
  ['::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  // NAT64 (well-known and local-use prefixes): a gateway would forward to any IPv4, private ones too.
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** The 16 bytes of an IPv6 address (any textual form Node accepts, a trailing dotted quad too). */
function ipv6Bytes(address: string): Uint8Array {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    const value = parseInt(group, 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  });
  return bytes;
}

const ipv4At = (bytes: Uint8Array, offset: number, mask = 0) => [0, 1, 2, 3].map((index) => ((bytes[offset + index] ?? 0) ^ mask) & 0xff).join('.');

/**
 * IPv4 addresses an IPv6 address carries and that a relay or gateway would reach on its behalf:
 * IPv4-mapped (::ffff:a.b.c.d), 6to4 (2002:AABB:CCDD::/16) and Teredo (2001:0::/32, the server
 * in bits 32–63 and the client, inverted, in the last 32).
 */
function embeddedIpv4(address: string): string[] {
  const bytes = ipv6Bytes(address);
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((byte) => byte === 0);
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return [ipv4At(bytes, 12)];
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return [ipv4At(bytes, 2)];
  if (bytes[0] === 0x20 && bytes[1] === 0x01 && bytes[2] === 0 && bytes[3] === 0) return [ipv4At(bytes, 4), ipv4At(bytes, 12, 0xff)];
  return [];
}

export class UrlRefusedError extends Error {}

const MAX_REDIRECTS = 5;
/** getaddrinfo cannot be cancelled, but nobody waits on it longer than this. */
const DNS_TIMEOUT_MS = 3000;

function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  return blocked.check(address, 'ipv6') || embeddedIpv4(address).some((ipv4) => blocked.check(ipv4, 'ipv4'));
}

function isAllowListed(url: URL): boolean {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return config.FRAMESEEK_URL_GUARD_ALLOW.includes(`${url.hostname}:${port}`);
}

/** Checks a URL and returns the address to connect to; throws UrlRefusedError with a reason a customer can act on. */
export async function vetUrl(raw: string | URL): Promise<{ url: URL; address: string; family: 4 | 6 }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefusedError('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UrlRefusedError('must use http or https');
  if (url.username || url.password) throw new UrlRefusedError('must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await withinDeadline(lookup(host, { all: true }), DNS_TIMEOUT_MS);
  } catch {
    throw new UrlRefusedError(`host ${host} could not be resolved`);
  }
  const [first] = addresses;
  if (!first) throw new UrlRefusedError(`host ${host} has no address`);
  if (!isAllowListed(url) && addresses.some((entry) => isBlockedAddress(entry.address))) {
    throw new UrlRefusedError('points to a private, loopback, link-local or metadata address; only public hosts can be fetched');
  }
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * A URL a customer hands us to call later (source_url, webhook_url): refused at once as a
 * VALIDATION_ERROR on its field, so nothing is stored that the guard would refuse to call.
 */
export async function requirePublicUrl(raw: string, field: string): Promise<URL> {
  try {
    return (await vetUrl(raw)).url;
  } catch (error) {
    if (!(error instanceof UrlRefusedError)) throw error;
    throw validationError([{ path: field, message: error.message }], `${field} ${error.message}`);
  }
}

/** Connects to the address that was vetted, whatever DNS says now (both lookup call shapes Node uses). */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  const lookupPinned = (_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  return lookupPinned as LookupFunction;
}

export interface GuardedResponse {
  url: URL;
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

/**
 * GET through the guard, following redirects (each hop vetted again). The caller consumes or
 * destroys `body`. `timeoutMs` bounds each silence; `deadlineMs` bounds the whole exchange, body
 * included — a server dripping a byte a second never falls silent, so only a total deadline ends it
 * (the body then fails with a UrlRefusedError).
 */
export async function guardedGet(raw: string, options: { timeoutMs: number; deadlineMs: number }): Promise<GuardedResponse> {
  const deadline = new AbortController();
  const refusal = new UrlRefusedError(`did not finish within ${Math.round(options.deadlineMs / 1000)} s`);
  const timer = setTimeout(() => deadline.abort(refusal), options.deadlineMs);
  try {
    const response = await follow(raw, options.timeoutMs, deadline.signal);
    deadline.signal.addEventListener('abort', () => response.body.destroy(refusal), { once: true });
    response.body.once('close', () => clearTimeout(timer));
    return response;
  } catch (error) {
    clearTimeout(timer);
    throw deadline.signal.aborted ? refusal : error;
  }
}

async function follow(raw: string, timeoutMs: number, signal: AbortSignal): Promise<GuardedResponse> {
  let target = raw;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    const { url, address, family } = await vetUrl(target);
    signal.throwIfAborted();
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send(
        url,
        {
          method: 'GET',
          timeout: timeoutMs,
          signal,
          headers: { 'user-agent': 'Frameseek-Fetcher/1.0' },
          lookup: pinnedLookup(address, family),
        },
        resolve,
      );
      outgoing.on('timeout', () => outgoing.destroy(new UrlRefusedError('did not answer in time')));
      outgoing.on('error', reject);
      outgoing.end();
    });
    const location = response.headers.location;
    if (response.statusCode && response.statusCode >= 300 && response.statusCode < 400 && location) {
      response.resume();
      target = new URL(location, url).toString();
      continue;
    }
    return { url, status: response.statusCode ?? 0, headers: response.headers, body: response };
  }
  throw new UrlRefusedError(`redirected more than ${MAX_REDIRECTS} times`);
}

export interface GuardedPostResult {
  status: number;
  /** The first bytes of the answer, for the sender's log (never more: a receiver's body is not ours to keep). */
  bodyStart: string;
}

const POST_BODY_KEPT_BYTES = 512;

/**
 * POST through the guard (webhook deliveries): the address is vetted now, however it was vetted
 * before (DNS may have changed), the connection is pinned to it, redirects are not followed (a 3xx
 * is an answer like any other), and `deadlineMs` bounds the whole exchange, answer included.
 */
export async function guardedPost(raw: string, body: string, headers: Record<string, string>, options: { deadlineMs: number }): Promise<GuardedPostResult> {
  const deadline = new AbortController();
  const refusal = new UrlRefusedError(`did not answer within ${Math.round(options.deadlineMs / 1000)} s`);
  const timer = setTimeout(() => deadline.abort(refusal), options.deadlineMs);
  try {
    const { url, address, family } = await withinDeadline(vetUrl(raw), options.deadlineMs);
    return await new Promise<GuardedPostResult>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send(
        url,
        {
          method: 'POST',
          signal: deadline.signal,
          headers: { 'user-agent': 'Frameseek-Webhooks/1.0', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
          lookup: pinnedLookup(address, family),
        },
        (response) => {
          const kept: Buffer[] = [];
          let keptBytes = 0;
          response.on('data', (chunk: Buffer) => {
            if (keptBytes < POST_BODY_KEPT_BYTES) kept.push(chunk.subarray(0, POST_BODY_KEPT_BYTES - keptBytes));
            keptBytes += chunk.length;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, bodyStart: Buffer.concat(kept).toString('utf8') }));
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  } catch (error) {
    throw deadline.signal.aborted ? refusal : error;
  } finally {
    clearTimeout(timer);
  }
}

import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { config } from '#lib/config';

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
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

export class UrlRefusedError extends Error {}

const MAX_REDIRECTS = 5;

function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const mappedIpv4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  return mappedIpv4 ? blocked.check(mappedIpv4, 'ipv4') : blocked.check(address, 'ipv6');
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
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true });
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

/** GET through the guard, following redirects (each hop vetted again). The caller consumes or destroys `body`. */
export async function guardedGet(raw: string, options: { timeoutMs: number }): Promise<GuardedResponse> {
  let target = raw;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    const { url, address, family } = await vetUrl(target);
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send(
        url,
        {
          method: 'GET',
          timeout: options.timeoutMs,
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

import { createHash, randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import { nowMs } from '#lib/clock';

/**
 * Prefixed, sortable, unguessable ids (api.md Transport): a ULID carries the creation time
 * (so keys sort newest-first) and 80 random bits.
 */
export const ID_PREFIXES = {
  account: 'acc',
  collection: 'col',
  video: 'vid',
  job: 'job',
  upload: 'upl',
  apiKey: 'key',
  webhook: 'wh',
  deletion: 'del',
  /** api.md lists one `del_` prefix: account deletions and webhook deliveries share it. */
  delivery: 'del',
  event: 'evt',
  request: 'req',
  transaction: 'txn',
  search: 'srch',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/**
 * Uniform in [0, 1) from the OS's CSPRNG, read 4 KiB at a time: ulid's own source asks
 * `crypto.getRandomValues` once per character (16 calls an id), ~0.8 ms of every search's
 * event-loop time in its profile (bench/search-http.ts).
 */
const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let poolAt = 0;
function secureRandom(): number {
  if (poolAt + 4 > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  const value = pool.readUInt32BE(poolAt);
  poolAt += 4;
  return value / 2 ** 32;
}

const ulid = monotonicFactory(secureRandom);

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${ulid(nowMs()).toLowerCase()}`;
}

/** A bearer secret: prefix + 256 random bits, base64url. */
export function newSecret(prefix: 'fsk' | 'fss' | 'whsec'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const ULID_TIME_CHARS = 10;

/**
 * An id made the same way every time from the id it derives from and `parts`: the time of `fromId`'s
 * ULID (so it sorts with it) and 80 bits of a hash. For rows a repeated step must find again instead
 * of writing twice (a webhook delivery per event and endpoint).
 */
export function derivedId(kind: IdKind, fromId: string, ...parts: string[]): string {
  const time = fromId.slice(fromId.indexOf('_') + 1, fromId.indexOf('_') + 1 + ULID_TIME_CHARS);
  const digest = createHash('sha256')
    .update([fromId, ...parts].join('\u0000'))
    .digest();
  const hashed = Array.from(digest.subarray(0, 16), (byte) => CROCKFORD.charAt(byte % 32)).join('');
  return `${ID_PREFIXES[kind]}_${time}${hashed}`;
}

import { randomBytes } from 'node:crypto';
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
  event: 'evt',
  request: 'req',
  transaction: 'txn',
  search: 'srch',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ulid = monotonicFactory();

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${ulid(nowMs()).toLowerCase()}`;
}

/** A bearer secret: prefix + 256 random bits, base64url. */
export function newSecret(prefix: 'fsk' | 'fss' | 'whsec'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

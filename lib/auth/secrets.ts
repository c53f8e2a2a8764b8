import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { config } from '#lib/config';

/**
 * Hashing for everything secret. Passwords: scrypt (memory-hard), salted, parameters stored
 * with the hash so they can be raised later. Bearer tokens (API keys, sessions) carry 256 random
 * bits, so a SHA-256 digest is enough to store and look them up without keeping the plaintext.
 */
/** OWASP's minimum for scrypt (Password Storage Cheat Sheet): N = 2^17, r = 8, p = 1 — 128 MiB and about 0.2 s a hash. */
export const SCRYPT_LOG2_N = 17;
const SCRYPT = { r: 8, p: 1, keyLength: 32 } as const;
/** The highest cost a stored hash may name (2^18: 256 MiB); anything above it, or another r or p, never matches. */
const MAX_LOG2_N = 18;
const maxmemFor = (n: number) => 128 * n * SCRYPT.r + 1024 * 1024;

/** N for new hashes: the default, or the test stage's override (lib/config.ts refuses it in prod). */
function currentN(): number {
  return 2 ** (config.FRAMESEEK_SCRYPT_LOG2_N ?? SCRYPT_LOG2_N);
}

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (error, derived) => (error ? reject(error) : resolve(derived)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const N = currentN();
  const derived = await scryptAsync(password, salt, SCRYPT.keyLength, { N, r: SCRYPT.r, p: SCRYPT.p, maxmem: maxmemFor(N) });
  return ['scrypt', N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), derived.toString('base64url')].join('$');
}

/** A stored hash made with weaker parameters than new hashes get: rehash it once the password is known (at log-in). */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) < currentN() || Number(r) !== SCRYPT.r || Number(p) !== SCRYPT.p;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const N = Number(n);
  if (!(N <= 2 ** MAX_LOG2_N) || Number(r) !== SCRYPT.r || Number(p) !== SCRYPT.p) return false;
  const derived = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, { N, r: SCRYPT.r, p: SCRYPT.p, maxmem: maxmemFor(N) });
  return timingSafeEqual(derived, expected);
}

/** A hash to verify against when the email is unknown, so both answers take the same time. */
let decoyHash: Promise<string> | undefined;
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await decoyHash);
  return false;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function tokensMatch(presentedHash: string, storedHash: string): boolean {
  const presented = Buffer.from(presentedHash);
  const stored = Buffer.from(storedHash);
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

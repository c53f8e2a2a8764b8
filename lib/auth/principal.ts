import type { KeyPermissions } from '#lib/db/api-keys';

/** Who is calling: resolved once per request by the auth step of the HTTP chain. */
export type Principal =
  | { kind: 'session'; accountId: string; sessionTokenHash: string; permissions: 'all' }
  | { kind: 'api_key'; accountId: string; keyId: string; permissions: KeyPermissions };

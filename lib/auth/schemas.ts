import * as z from 'zod';
import { listQuery, refusePageDepth } from '#lib/pagination';

export const createApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  /** `all_access` is PureFrame's name for `all` (its documented permission levels), accepted and stored as `all`. */
  permissions: z
    .enum(['all', 'read_only', 'all_access'])
    .default('all')
    .transform((permissions) => (permissions === 'all_access' ? 'all' : permissions)),
});

/** Up to 100 keys a page by default: a client that never paged still sees them all in the usual case. */
export const listApiKeysQuery = z.strictObject({ ...listQuery(100, 100) }).superRefine(refusePageDepth);

export const apiKeyParams = z.strictObject({ key_id: z.string().min(1).max(64) });

export const apiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  permissions: z.enum(['all', 'read_only']),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

export const createdApiKey = apiKeyView.extend({ key: z.string() });

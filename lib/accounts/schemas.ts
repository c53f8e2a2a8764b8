import * as z from 'zod';
import { PLAN_IDS } from '#lib/plan-names';

export const credentialsBody = z.strictObject({
  email: z.email().max(254),
  password: z.string().min(12, 'must be at least 12 characters').max(1024),
});

export const loginBody = z.strictObject({
  email: z.string().min(1).max(254),
  password: z.string().min(1).max(1024),
});

const accountView = z.object({
  id: z.string(),
  email: z.string(),
  plan: z.enum(PLAN_IDS),
  credits_micros: z.number().int(),
  usage: z.object({
    searches_today: z.number().int(),
    search_quota: z.number().int().nullable(),
    storage_bytes: z.number().int(),
    storage_limit_bytes: z.number().int(),
  }),
  created_at: z.string(),
});

export const accountResponse = accountView;
export const signedInResponse = z.object({ account: accountView, session: z.object({ token: z.string(), expires_at: z.string() }) });

export const deleteAccountBody = z.strictObject({ password: z.string().min(1).max(1024) });
export const accountDeletion = z.object({ deletion_id: z.string() });

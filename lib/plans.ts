import * as z from 'zod';
import { config } from '#lib/config';
import { RATE_LIMIT_GROUPS, type PlanId } from '#lib/plan-names';

/**
 * Every number of the plans (quotas, limits, prices), in one typed table. A deployment overrides any of
 * them with FRAMESEEK_PLAN_OVERRIDES (a JSON object deep-merged over these defaults), e.g.
 * benchmarks raising limits. Nothing else in the code writes these numbers as literals.
 */

const GB = 1_000_000_000;
const MB = 1_000_000;
const TB = 1_000_000_000_000;
const UNLIMITED = Number.MAX_SAFE_INTEGER;

export { PLAN_IDS, RATE_LIMIT_GROUPS, type PlanId, type RateLimitGroup } from '#lib/plan-names';

const planLimitsSchema = z.strictObject({
  storage_limit_bytes: z.number().int().positive(),
  /** null: searches are metered, with no daily cap. */
  daily_search_quota: z.number().int().positive().nullable(),
  active_api_keys: z.number().int().positive(),
  webhook_endpoints: z.number().int().positive(),
  max_file_bytes: z.number().int().positive(),
  trial_credit_micros: z.number().int().nonnegative(),
  trial_credit_days: z.number().int().nonnegative(),
});

const plansTableSchema = z.strictObject({
  plans: z.strictObject({ free: planLimitsSchema, payg: planLimitsSchema, enterprise: planLimitsSchema }),
  prices: z.strictObject({
    /** Indexing: micros per minute of video, charged per started second. */
    indexing_micros_per_minute: z.number().int().nonnegative(),
    search_micros: z.number().int().nonnegative(),
    /** Storage on payg: micros per GB (10^9 bytes) per day. */
    storage_micros_per_gb_day: z.number().int().nonnegative(),
    min_topup_micros: z.number().int().positive(),
    /** Estimate before the bytes exist: one minute per this many declared bytes (at least one minute). */
    estimate_bytes_per_minute: z.number().int().positive(),
    credits_low_threshold_micros: z.number().int().nonnegative(),
  }),
  rate_limits: z.strictObject({
    window_secs: z.number().int().positive(),
    per_minute: z.record(z.enum(RATE_LIMIT_GROUPS), z.number().int().positive()),
    auth_per_email: z.number().int().positive(),
    auth_per_ip: z.number().int().positive(),
    /** Sign-ups from one address that get the trial credit per UTC day (beside auth_per_ip a minute); later ones start without it. */
    trial_credits_per_ip_per_day: z.number().int().nonnegative(),
  }),
});

export type PlansTable = z.infer<typeof plansTableSchema>;
export type PlanLimits = z.infer<typeof planLimitsSchema>;

export const DEFAULT_PLANS: PlansTable = {
  plans: {
    free: {
      storage_limit_bytes: 500 * MB,
      daily_search_quota: 30,
      active_api_keys: 1,
      webhook_endpoints: 3,
      max_file_bytes: 5 * 1024 ** 3,
      trial_credit_micros: 5_000_000,
      trial_credit_days: 14,
    },
    payg: {
      storage_limit_bytes: 1 * TB,
      daily_search_quota: null,
      active_api_keys: 20,
      webhook_endpoints: 20,
      max_file_bytes: 5 * 1024 ** 3,
      trial_credit_micros: 0,
      trial_credit_days: 0,
    },
    enterprise: {
      storage_limit_bytes: UNLIMITED,
      daily_search_quota: null,
      active_api_keys: UNLIMITED,
      webhook_endpoints: 100,
      max_file_bytes: 5 * 1024 ** 3,
      trial_credit_micros: 0,
      trial_credit_days: 0,
    },
  },
  prices: {
    indexing_micros_per_minute: 38_000,
    search_micros: 1_000,
    storage_micros_per_gb_day: 2_000,
    min_topup_micros: 5_000_000,
    estimate_bytes_per_minute: 10 * MB,
    credits_low_threshold_micros: 1_000_000,
  },
  rate_limits: {
    window_secs: 60,
    per_minute: {
      search: 30,
      upload: 10,
      jobs: 60,
      videos: 60,
      collections_read: 100,
      collections_write: 30,
      agent: 30,
      account: 60,
      auth: 30,
    },
    auth_per_email: 10,
    auth_per_ip: 30,
    trial_credits_per_ip_per_day: 3,
  },
};

export const BYTES_PER_GB = GB;

type JsonObject = { [key: string]: unknown };

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: JsonObject, override: JsonObject): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const existing = merged[key];
    merged[key] = isJsonObject(existing) && isJsonObject(value) ? deepMerge(existing, value) : value;
  }
  return merged;
}

export function buildPlansTable(overridesJson: string | undefined): PlansTable {
  if (!overridesJson) return DEFAULT_PLANS;
  const overrides: unknown = JSON.parse(overridesJson);
  if (!isJsonObject(overrides)) throw new Error('FRAMESEEK_PLAN_OVERRIDES must be a JSON object');
  const parsed = plansTableSchema.safeParse(deepMerge(DEFAULT_PLANS, overrides));
  if (!parsed.success) throw new Error(`FRAMESEEK_PLAN_OVERRIDES is invalid: ${parsed.error.message}`);
  return parsed.data;
}

export const plansTable: PlansTable = buildPlansTable(config.FRAMESEEK_PLAN_OVERRIDES);

export function planLimits(plan: PlanId): PlanLimits {
  return plansTable.plans[plan];
}

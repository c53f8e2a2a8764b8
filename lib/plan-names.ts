/**
 * The names of the plans and of the route groups that share a rate limit (plans.md). Apart from the
 * plans table (lib/plans.ts, which reads its overrides from config) so that what needs only the names
 * (the route table's schemas, the tests' raised limits) reads no configuration when it loads.
 */
export const PLAN_IDS = ['free', 'payg', 'enterprise'] as const;
export type PlanId = (typeof PLAN_IDS)[number];

export const RATE_LIMIT_GROUPS = ['search', 'upload', 'jobs', 'videos', 'collections_read', 'collections_write', 'agent', 'account', 'auth'] as const;
export type RateLimitGroup = (typeof RATE_LIMIT_GROUPS)[number];

import { describe, expect, it } from 'vitest';
import { buildPlansTable, DEFAULT_PLANS } from '#lib/plans';

describe('plans table', () => {
  it('holds the numbers of plans.md', () => {
    expect(DEFAULT_PLANS.plans.free).toMatchObject({ storage_limit_bytes: 500_000_000, daily_search_quota: 30, active_api_keys: 1, webhook_endpoints: 3 });
    expect(DEFAULT_PLANS.plans.payg).toMatchObject({ storage_limit_bytes: 10 ** 12, daily_search_quota: null, active_api_keys: 20, webhook_endpoints: 20 });
    expect(DEFAULT_PLANS.prices).toMatchObject({ indexing_micros_per_minute: 38_000, search_micros: 1_000, storage_micros_per_gb_day: 2_000 });
    expect(DEFAULT_PLANS.rate_limits.per_minute).toMatchObject({ search: 30, upload: 10, jobs: 60, collections_read: 100 });
  });

  it('lets a stage override any number, keeping the rest', () => {
    const table = buildPlansTable(JSON.stringify({ plans: { free: { active_api_keys: 5 } } }));

    expect(table.plans.free.active_api_keys).toBe(5);
    expect(table.plans.free.daily_search_quota).toBe(30);
    expect(table.plans.payg).toEqual(DEFAULT_PLANS.plans.payg);
  });

  it('fails fast on an override that is not a valid table', () => {
    expect(() => buildPlansTable(JSON.stringify({ plans: { free: { active_api_keys: -1 } } }))).toThrow(/FRAMESEEK_PLAN_OVERRIDES/);
    expect(() => buildPlansTable(JSON.stringify({ plans: { gold: {} } }))).toThrow(/FRAMESEEK_PLAN_OVERRIDES/);
    expect(() => buildPlansTable('[1]')).toThrow(/JSON object/);
  });
});

import { describe, expect, it } from 'vitest';
import { apiHandler } from '#lib/http/api-handler';
import { testRoute } from '#test/support/test-route';

describe('apiHandler', () => {
  it('refuses to build an idempotent route whose handler starts before the rate-limit decision (a refused first answer would be replayed)', () => {
    // Arrange
    const route = testRoute({
      name: 'probe',
      method: 'POST',
      writes: true,
      path: '/v1/probe',
      entry: 'functions/probe.ts',
      auth: 'key',
      rateLimit: 'search',
      startsBeforeRateDecision: true,
      idempotent: true,
      successStatus: 200,
      summary: 'probe',
      request: {},
    });

    // Act
    const build = () => apiHandler(route, async () => ({ data: {} }));

    // Assert
    expect(build).toThrow(/idempotent route cannot start before its rate-limit decision/);
  });
});

/**
 * The one CORS definition of the API, for both hosts: the HTTP chain answers with it (origins from
 * FRAMESEEK_CORS_ORIGINS) and API Gateway's preflight is configured from it (infra/aws/constructs/api.ts).
 */
export const CORS = {
  allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  /** Response headers a browser script may read: the request id, and what a client needs to back off. */
  exposeHeaders: ['X-Request-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
  maxAgeSecs: 600,
} as const;

import httpCors from '@middy/http-cors';
import { config } from '#lib/config';
import { CORS } from '#lib/http/cors';
import type { ApiMiddleware } from '#lib/http/request-state';

/** CORS headers on every answer, and the answer to a preflight, from the one definition in lib/http/cors.ts. */
export function cors(): ApiMiddleware {
  return httpCors({
    origins: config.FRAMESEEK_CORS_ORIGINS.split(','),
    headers: CORS.allowHeaders.join(','),
    methods: CORS.allowMethods.join(','),
    exposeHeaders: CORS.exposeHeaders.join(','),
    maxAge: CORS.maxAgeSecs,
    disableBeforePreflightResponse: false,
  });
}

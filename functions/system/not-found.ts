import * as z from 'zod';
import { apiHandler } from '#lib/http/api-handler';
import { AppError } from '#lib/errors';

/** Step 1 of "Which error wins": no such route. Accepts any query so nothing outranks NOT_FOUND. */
export const handler = apiHandler(
  {
    name: 'notFound',
    method: 'GET',
    writes: false,
    path: '$default',
    entry: 'functions/system/not-found.ts',
    auth: 'none',
    successStatus: 200,
    summary: 'Unknown route',
    request: { query: z.record(z.string(), z.unknown()) },
  },
  async () => {
    throw new AppError('NOT_FOUND', 'No such route; see GET /v1/openapi.json for the routes of this API');
  },
);

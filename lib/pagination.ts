import * as z from 'zod';

/** api.md Transport: `page` reaches the first 10 000 rows; deeper lists are read by cursor. */
export const MAX_PAGED_ROWS = 10_000;

/** page ≥ 1, per_page 1–100 (default 20) unless a route says otherwise (api.md Transport). */
export function paginationQuery(maxPerPage = 100, defaultPerPage = 20) {
  return {
    page: z.coerce.number().int().min(1).default(1),
    per_page: z.coerce.number().int().min(1).max(maxPerPage).default(defaultPerPage),
  };
}

/**
 * Refuses a page past the first 10 000 rows: `page × per_page` becomes a read limit, and an
 * unbounded one would make one request read a whole partition.
 */
export function refusePageDepth(query: { page: number; per_page: number }, context: z.RefinementCtx): void {
  if (query.page * query.per_page > MAX_PAGED_ROWS) {
    context.addIssue({
      code: 'custom',
      path: ['page'],
      message: `page × per_page must be ≤ ${MAX_PAGED_ROWS}; read deeper with cursor`,
    });
  }
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  per_page: number;
}

export function paginate<T>(all: readonly T[], page: number, perPage: number): Page<T> {
  const start = (page - 1) * perPage;
  return { items: all.slice(start, start + perPage), total: all.length, page, per_page: perPage };
}

/** The envelope's `meta` for a paginated list. */
export function pageMeta(result: Page<unknown>): { total: number; page: number; per_page: number } {
  return { total: result.total, page: result.page, per_page: result.per_page };
}

/**
 * `status=a,b` (or the parameter repeated): a list of allowed values. `aliases` maps another API's
 * name for a status to ours (PureFrame clients filter videos on `done`), so the handler sees ours only.
 */
export function statusList<const T extends readonly [string, ...string[]]>(values: T, aliases: Readonly<Record<string, T[number]>> = {}) {
  const accepted = [...values, ...Object.keys(aliases)];
  return z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : [value])
        .flatMap((item) => item.split(','))
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().refine((item) => accepted.includes(item), { message: `must be one of: ${accepted.join(', ')}` })))
    .transform((items) => [...new Set(items.map((item) => aliases[item] ?? item))])
    .pipe(z.array(z.enum(values)));
}

import * as z from 'zod';

/** page ≥ 1, per_page 1–100 (default 20) unless a route says otherwise (api.md Transport). */
export function paginationQuery(maxPerPage = 100, defaultPerPage = 20) {
  return {
    page: z.coerce.number().int().min(1).default(1),
    per_page: z.coerce.number().int().min(1).max(maxPerPage).default(defaultPerPage),
  };
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

/** `status=a,b` (or the parameter repeated): a list of allowed values. */
export function statusList<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : [value])
        .flatMap((item) => item.split(','))
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)));
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { config } from '#lib/config';
import { validationError } from '#lib/errors';

/** api.md Transport: `page` reaches the first 10 000 rows; deeper lists are read by cursor. */
export const MAX_PAGED_ROWS = 10_000;

/**
 * A list's query (api.md Transport: page ≥ 1, per_page 1–100, default 20 unless a route says otherwise):
 * `page`/`per_page`, or `cursor` (from the last page's `meta.next_cursor`)
 * with `per_page`. `page` is optional here so a page sent beside a cursor can be refused.
 */
export function listQuery(maxPerPage = 100, defaultPerPage = 20) {
  return {
    page: z.coerce.number().int().min(1).optional(),
    per_page: z.coerce.number().int().min(1).max(maxPerPage).default(defaultPerPage),
    cursor: z.string().min(1).max(2048).optional().describe('meta.next_cursor of the page before: the next page, at the same cost however deep'),
  };
}

/**
 * Refuses a page past the first 10 000 rows: `page × per_page` becomes a read limit, and an
 * unbounded one would make one request read a whole partition. A cursor reads from where the last
 * page stopped, so it goes as deep as the list does; `page` beside it is refused.
 */
export function refusePageDepth(query: { page?: number | undefined; per_page: number; cursor?: string | undefined }, context: z.RefinementCtx): void {
  if (query.cursor !== undefined && query.page !== undefined) {
    context.addIssue({ code: 'custom', path: ['cursor'], message: 'send cursor or page, not both' });
  }
  if ((query.page ?? 1) * query.per_page > MAX_PAGED_ROWS) {
    context.addIssue({
      code: 'custom',
      path: ['page'],
      message: `page × per_page must be ≤ ${MAX_PAGED_ROWS}; read deeper with cursor`,
    });
  }
}

/**
 * What a list read is asked for: `perPage` rows after skipping `skip` (page mode), or after the row
 * whose sort key is `after` (cursor mode). `page` is what `meta.page` says.
 */
export interface PageRequest {
  perPage: number;
  page: number;
  skip: number;
  after: string | undefined;
  /**
   * The total the first page answered, carried in the cursor: the lists whose total no counter keeps
   * (a status filter, a delivery log) count once, on the first page, instead of on every page.
   */
  carriedTotal?: number | undefined;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  per_page: number;
  /** Where the next page starts (the sort key of the last row read); undefined on the last page. */
  next: string | undefined;
}

/** A page read from the start (the agent's tools, tests): `page` of `perPage`. */
export function pageOf(page: number, perPage: number): PageRequest {
  return { perPage, page, skip: (page - 1) * perPage, after: undefined };
}

/**
 * What a cursor is bound to: the account, the list (its route) and the filters the first page was
 * asked with. A cursor used under any other scope fails its signature, like a tampered one.
 */
export interface CursorScope {
  accountId: string;
  list: string;
  filters: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export function cursorScope(accountId: string, list: string, filters: CursorScope['filters'] = {}): CursorScope {
  return { accountId, list, filters };
}

/** One canonical text per scope: filters by name, list values as sets (`status=a,b` = `status=b,a`). */
function scopeText(scope: CursorScope): string {
  const filters = Object.keys(scope.filters)
    .sort()
    .flatMap((name) => {
      const value = scope.filters[name];
      if (value === undefined) return [];
      return [[name, typeof value === 'string' ? value : [...new Set(value)].sort()]];
    });
  return JSON.stringify([scope.accountId, scope.list, filters]);
}

const CURSOR_VERSION = 'c1';
const cursorState = z.strictObject({ a: z.string().min(1).max(512), p: z.number().int().min(2), t: z.number().int().min(0).optional() });

function signature(scope: CursorScope, body: string): Buffer {
  return createHmac('sha256', config.FRAMESEEK_CURSOR_SECRET)
    .update(`${CURSOR_VERSION}\n${scopeText(scope)}\n${body}`)
    .digest();
}

/** An opaque, signed cursor: where the next page starts and which page number it is. */
export function encodeCursor(scope: CursorScope, after: string, page: number, total?: number): string {
  const body = Buffer.from(JSON.stringify({ a: after, p: page, t: total })).toString('base64url');
  return `${CURSOR_VERSION}.${body}.${signature(scope, body).toString('base64url')}`;
}

const badCursor = () =>
  validationError([{ path: 'cursor', message: 'not a cursor of this list: send meta.next_cursor as it was given, with the same filters' }]);

/** The cursor's position, once its signature holds for this scope (constant-time); otherwise VALIDATION_ERROR on `cursor`. */
export function decodeCursor(scope: CursorScope, cursor: string): { after: string; page: number; total: number | undefined } {
  const [version, body, mac, ...rest] = cursor.split('.');
  if (version !== CURSOR_VERSION || !body || !mac || rest.length > 0) throw badCursor();
  const given = Buffer.from(mac, 'base64url');
  const expected = signature(scope, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw badCursor();
  let state: unknown;
  try {
    state = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const parsed = cursorState.safeParse(state);
  if (!parsed.success) throw badCursor();
  return { after: parsed.data.a, page: parsed.data.p, total: parsed.data.t };
}

/** The read a list's query asks for: from its cursor (checked against the scope), or from its page. */
export function pageRequest(scope: CursorScope, query: { page?: number | undefined; per_page: number; cursor?: string | undefined }): PageRequest {
  if (query.cursor === undefined) return pageOf(query.page ?? 1, query.per_page);
  const { after, page, total } = decodeCursor(scope, query.cursor);
  return { perPage: query.per_page, page, skip: 0, after, carriedTotal: total };
}

/** The envelope's `meta` for a paginated list: `next_cursor` is null on the last page. */
export function pageMeta(scope: CursorScope, result: Page<unknown>): { total: number; page: number; per_page: number; next_cursor: string | null } {
  return {
    total: result.total,
    page: result.page,
    per_page: result.per_page,
    next_cursor: result.next === undefined ? null : encodeCursor(scope, result.next, result.page + 1, result.total),
  };
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

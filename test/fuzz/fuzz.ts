import fc from 'fast-check';
import { routes } from '#functions/routes';
import { ERROR_CATALOGUE, statusOf, type ErrorCode } from '#lib/errors';

/**
 * Random requests to every route of the route table (issue 19, "Fuzz"): broken and valid-shaped bodies,
 * query strings, path parameters and headers, each sent over HTTP to a running Frameseek. Whatever comes,
 * the answer is never a 5xx, and every error is the envelope of errors.md with a code from the catalogue
 * at that code's status. Shared by the seeded slice in the test suite and `npm run fuzz -- --cases N`.
 */
export interface FuzzTarget {
  baseUrl: string;
  /** Credentials the cases choose from (none, garbage and these). */
  sessionToken: string;
  apiKey: string;
}

export interface FuzzCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export interface FuzzFailure {
  request: FuzzCase;
  status: number;
  problem: string;
  text: string;
}

const ROUTES = Object.values(routes);
const PREFIXES = ['col_', 'vid_', 'job_', 'upl_', 'key_', 'wh_', 'del_', 'evt_', 'acc_'];
const FIELD_NAMES = [
  'name',
  'collection_id',
  'video_id',
  'filename',
  'size_bytes',
  'content_type',
  'source_url',
  'webhook_url',
  'query',
  'image_url',
  'password',
  'email',
  'permissions',
  'amount_micros',
  'enabled',
  'threshold_micros',
  'plan',
  'url',
  'events',
  'is_active',
  'tool',
  'input',
  'parts',
  'signal',
  'timestamp_start',
  'prefix',
  'modes',
  'page',
  'per_page',
  'jsonrpc',
  'method',
  'params',
  'id',
];
const QUERY_NAMES = ['page', 'per_page', 'cursor', 'collection_id', 'video_id', 'status', 'format', 'include', 'timestamp', 'force', 'timestamp_start', 'x'];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'multipart/form-data',
  'multipart/form-data; boundary=XyZ',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/octet-stream',
  ';;;',
];

const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '%zz', '%', '..', '../..', 'null', '-1', '0', '1e309', 'NaN', '9'.repeat(40), '\u0000', '😀', '<script>', "' OR 1=1 --"),
  fc.string({ minLength: 200, maxLength: 2000 }),
);
const idLike = fc.oneof(
  oddString,
  fc.tuple(fc.constantFrom(...PREFIXES), fc.stringMatching(/^[0-9a-z]{26}$/)).map(([prefix, rest]) => prefix + rest),
);
const fieldValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  oddString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 5_000_000, Number.MAX_SAFE_INTEGER, 'https://example.com/%zz.mp4', 'http://169.254.169.254/', 'video/mp4', 'all'),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.dictionary(fc.constantFrom(...FIELD_NAMES), fieldValue, { maxKeys: 6 }).map((value) => JSON.stringify(value)),
  oddString,
  fc.constantFrom('{"name":', '{"a":1}}', '--XyZ\r\nContent-Disposition: form-data; name="query"\r\n\r\ncat\r\n--XyZ--\r\n', 'query=cat&modes=ocr'),
);
const query = fc.dictionary(fc.oneof(fc.constantFrom(...QUERY_NAMES), fc.string({ maxLength: 8 })), fc.oneof(oddString, fc.integer().map(String)), {
  maxKeys: 4,
});

/** How a path parameter is written into the URL: escaped as a client would, or raw (broken escapes, slashes). */
const encoded = fc.tuple(idLike, fc.boolean()).map(([value, raw]) => (raw ? value.replace(/[?#\s]/g, '') : encodeURIComponent(value)));

export function fuzzCases(target: FuzzTarget): fc.Arbitrary<FuzzCase> {
  const route = fc.oneof(
    { weight: 9, arbitrary: fc.constantFrom(...ROUTES).map((route) => ({ method: route.method, path: route.path })) },
    { weight: 1, arbitrary: fc.record({ method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), path: oddString.map((path) => `/v1/${path}`) }) },
  );
  const credential = fc.constantFrom<string | undefined>(
    target.sessionToken,
    target.apiKey,
    undefined,
    'garbage',
    'fsk_0000000000000000000000000000',
    'fss_0000000000000000000000000000',
    'pf_live_x',
  );
  return fc
    .record({
      route,
      params: fc.array(encoded, { minLength: 2, maxLength: 2 }),
      query,
      body,
      contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
      credential,
      idempotencyKey: fc.option(oddString, { nil: undefined }),
    })
    .map(({ route: chosen, params, query: search, body: payload, contentType, credential: token, idempotencyKey }) => {
      let index = 0;
      const path = chosen.path.replace(/\{[a-z_]+\}/g, () => params[index++ % params.length] ?? 'x');
      const queryString = new URLSearchParams(search).toString();
      const headers: Record<string, string> = {};
      if (contentType) headers['content-type'] = contentType;
      // Logging out would end the session every later case uses: that route gets the key (FORBIDDEN) instead.
      const credentialToUse = chosen.path === '/v1/auth/logout' && token === target.sessionToken ? target.apiKey : token;
      if (credentialToUse) headers.authorization = `Bearer ${credentialToUse}`;
      if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey.replace(/[^\x20-\x7e]/g, '');
      return { method: chosen.method, path: queryString ? `${path}?${queryString}` : path, headers, body: chosen.method === 'GET' ? undefined : payload };
    });
}

/** What is wrong with one answer, or undefined when it keeps the contract. */
export function problemWith(status: number, headers: Headers, text: string): string | undefined {
  if (status >= 500) return `answered ${status}`;
  if (status < 400) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'an error without a JSON body';
  }
  if (typeof parsed !== 'object' || parsed === null || Object.keys(parsed).join() !== 'detail') return 'an error body with more than `detail` at the top level';
  const detail = (parsed as { detail: Record<string, unknown> }).detail;
  const code = detail.code;
  if (typeof code !== 'string' || !(code in ERROR_CATALOGUE)) return `an error code outside the catalogue: ${String(code)}`;
  if (statusOf(code as ErrorCode) !== status) return `${code} answered with ${status}, not its catalogue status`;
  if (typeof detail.message !== 'string' || detail.message === '') return 'an error without a message';
  if (detail.request_id !== headers.get('x-request-id')) return 'detail.request_id differs from X-Request-Id';
  return undefined;
}

export async function send(baseUrl: string, request: FuzzCase): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${baseUrl}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export interface FuzzReport {
  cases: number;
  failures: FuzzFailure[];
  statuses: Record<string, number>;
  /** Cases sent twice because the first connection failed before any answer. */
  retried: number;
}

/** Cases generated at once: the samples (image and video bodies among them) are held until sent, so not all of a long run. */
const SLICE = 1000;

export interface FuzzProgress {
  /** Cases sent so far. */
  sent: number;
}

/**
 * Runs `cases` random requests (reproducible from `seed`), collecting every answer that breaks the contract.
 * Cases are generated a slice at a time (the first slice from `seed` itself), so a long run holds one slice
 * of bodies, not all of them; `onSlice` is called after each slice (the runner's memory figures).
 */
export async function runFuzz(target: FuzzTarget, options: { cases: number; seed: number; onSlice?: (progress: FuzzProgress) => void }): Promise<FuzzReport> {
  const failures: FuzzFailure[] = [];
  const statuses: Record<string, number> = {};
  let retried = 0;
  let sent = 0;
  for (let slice = 0; sent < options.cases; slice += 1) {
    const samples = fc.sample(fuzzCases(target), { numRuns: Math.min(SLICE, options.cases - sent), seed: options.seed + slice * 7919 });
    for (const request of samples) {
      let answer;
      try {
        answer = await send(target.baseUrl, request);
      } catch {
        // A keep-alive socket the server closed after the previous case (fetch does not retry): once more on a
        // fresh connection, counted; no answer then is a failure.
        retried += 1;
        try {
          answer = await send(target.baseUrl, request);
        } catch (error) {
          failures.push({ request, status: 0, problem: `no answer: ${String(error)}`, text: '' });
          continue;
        }
      }
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      const problem = problemWith(answer.status, answer.headers, answer.text);
      if (problem) failures.push({ request, status: answer.status, problem, text: answer.text.slice(0, 500) });
    }
    sent += samples.length;
    options.onSlice?.({ sent });
  }
  return { cases: sent, failures, statuses, retried };
}

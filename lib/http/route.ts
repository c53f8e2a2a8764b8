import type { z } from 'zod';
import type { AuthKind } from '#lib/auth/principal';
import type { RateLimitGroup } from '#lib/plans';

/**
 * How one route is declared in functions/routes.ts. The local runtime, the CDK stack, the
 * OpenAPI document and the HTTP chain all read these declarations; nothing else lists routes.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type { AuthKind };

export interface RequestSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

export interface RouteDefinition<TAuth extends AuthKind = AuthKind, TSchemas extends RequestSchemas = RequestSchemas> {
  /** Stable name, the route's key in the table: the CDK construct id, the OpenAPI operationId, the fault-switch target. */
  name: string;
  method: HttpMethod;
  /**
   * Whether the route changes anything the account owns (records, files, keys, billing). A
   * read_only key is refused on every route that writes and allowed on the rest, whatever the
   * method: search and suggest are POSTs that only read (api.md: read_only may search, list and get).
   */
  writes: boolean;
  /** API Gateway path template, e.g. /v1/collections/{collection_id}. */
  path: string;
  /** The handler module, relative to the project root; it exports `handler`. */
  entry: string;
  auth: TAuth;
  rateLimit?: RateLimitGroup;
  /**
   * The handler starts while the account's rate-limit count is still in flight (it overlaps the
   * read-only part of the work) and awaits `admitted` before any effect; a refusal still answers
   * 429 whatever the handler found. Not with `idempotent`.
   */
  startsBeforeRateDecision?: boolean;
  /** Honour an `Idempotency-Key` header: a repeat within 24 h replays the first response. */
  idempotent?: boolean;
  /** HTTP status of a success; 204 answers carry no body. */
  successStatus: 200 | 201 | 202 | 204;
  /** Another success the route may answer, with the same body shape (the frame map's 202 while it is first computed). */
  alsoSucceedsWith?: 202;
  summary: string;
  request: TSchemas;
  /**
   * Form routes: multipart/form-data, with the file fields they take and the most bytes a file may have
   * (a longer one is parsed as far as the cap and marked truncated for the handler to refuse); they also
   * take application/x-www-form-urlencoded, the same fields without files. A route without files
   * declares `fileFields: []`.
   */
  multipart?: { fileFields: readonly string[]; maxFileBytes: number; /** Also takes application/json (without files). */ alsoJson?: boolean };
  /** Success `data` shape, for the OpenAPI document. */
  response?: z.ZodType;
  /** Whether the response is a bare JSON document rather than the {data, meta} envelope. */
  bareJson?: boolean;
  /** The handler gets the body byte for byte (e.g. to check a signature over it); the route declares no body schema. */
  rawBody?: boolean;
  /**
   * What the route may do to customers' media (objects under lib/storage/layout.ts MEDIA_PREFIXES; never the search
   * index's) in AWS: `read` (reading, presigned playback) or `write` (also presigned uploads, deletes, caches).
   * Default (mediaAccess): `read` for GET routes, `write` for the rest; public routes get none.
   */
  media?: 'read' | 'write';
  /** Talks to Stripe: in AWS the function may read the Stripe secret (and only such functions may). */
  usesStripe?: boolean;
  /**
   * The route's code sends work to the index queue (deletes send purges, since only the worker carries
   * the index engine; re-indexing sends chunks). In AWS only such functions may send to it; a CDK test
   * checks the flag against what each route's bundle calls.
   */
  sendsIndexWork?: boolean;
  /** Seals or opens webhook signing secrets: in AWS the function may read the webhook data key (and only such functions may). */
  usesWebhookSecrets?: boolean;
  /** Puts deliveries on the webhook queue (test pings, manual retries). */
  sendsWebhooks?: boolean;
  /** Background functions (functions/routes.ts `backgroundFunctions`) this route invokes asynchronously. */
  startsInBackground?: readonly string[];
  /**
   * Needs native modules (the search index engine, ONNX, sharp): in AWS a container-image function
   * instead of a bundled one, exempt from the bundle cap (design §6).
   */
  nativeModules?: boolean;
  memoryMb?: number;
  timeoutSecs?: number;
}

/** The catch-all route: unknown paths and methods (and CORS preflights) land here. */
export type FallbackRoute = RouteDefinition<'none'> & { name: 'notFound' };

/** A route as written in the table, where its key is its name. */
export type RouteDeclaration<TAuth extends AuthKind = AuthKind, TSchemas extends RequestSchemas = RequestSchemas> = Omit<
  RouteDefinition<TAuth, TSchemas>,
  'name'
>;

export function defineRoute<const TAuth extends AuthKind, const TSchemas extends RequestSchemas>(
  route: RouteDeclaration<TAuth, TSchemas>,
): RouteDeclaration<TAuth, TSchemas> {
  return route;
}

type NamedRoutes<TTable extends Record<string, RouteDeclaration>> = { [TName in keyof TTable & string]: TTable[TName] & { name: TName } };

/** The route table with each route named after its key, so a name is never written twice. */
export function nameRoutes<const TTable extends Record<string, RouteDeclaration>>(table: TTable): NamedRoutes<TTable> {
  return Object.fromEntries(Object.entries(table).map(([name, route]) => [name, { ...route, name }])) as NamedRoutes<TTable>;
}

/** Routes that write, as the route table declares them. A read_only key is refused on all of them. */
export function isWriteRoute(route: Pick<RouteDefinition, 'writes'>): boolean {
  return route.writes;
}

/** What the credential check (lib/auth/authenticate.ts) needs to know of a route. */
export function accessOf(route: Pick<RouteDefinition, 'auth' | 'writes'>): { auth: AuthKind; writes: boolean } {
  return { auth: route.auth, writes: isWriteRoute(route) };
}

/**
 * A route's grants in AWS, from its declaration (least privilege, issue 19 item 9). The table: none for public GETs;
 * `read_update` for other GETs (reads, plus the UpdateItem of rate-limit counters, session sliding and API-key
 * last-use stamps — never a Put, Delete or transaction); `read_write` for the rest.
 */
export type TableAccess = 'none' | 'read_update' | 'read_write';

export function tableAccess(route: Pick<RouteDefinition, 'auth' | 'method'>): TableAccess {
  if (route.method !== 'GET') return 'read_write';
  return route.auth === 'none' ? 'none' : 'read_update';
}

export function mediaAccess(route: Pick<RouteDefinition, 'auth' | 'method' | 'media'>): 'none' | 'read' | 'write' {
  if (route.auth === 'none') return 'none';
  return route.media ?? (route.method === 'GET' ? 'read' : 'write');
}

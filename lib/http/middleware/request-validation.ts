import { AppError, validationError } from '#lib/errors';
import { parseMultipart } from '#lib/http/multipart';
import type { RouteDefinition } from '#lib/http/route';
import { parseJsonBody, parseQueryString, validatePart } from '#lib/http/validation';
import { header, stateOf, type ApiEvent, type ApiMiddleware, type RequestState } from '#lib/http/request-state';

/** Steps 5–6 of errors.md "Which error wins": the body parses, then path, query and body validate against the route's schemas. */
export function requestValidation(route: Pick<RouteDefinition, 'request' | 'multipart'>): ApiMiddleware {
  return {
    before: async (request) => {
      const state = stateOf(request);
      const { event } = request;
      const rawBody = route.multipart
        ? await parseFormBody(event, route.multipart, state)
        : route.request.body
          ? parseJsonBody(event.body, event.isBase64Encoded, header(event, 'content-type'))
          : undefined;
      if (route.request.params) state.params = validatePart(route.request.params, event.pathParameters ?? {}, 'path');
      if (route.request.query) state.query = validatePart(route.request.query, parseQueryString(event.rawQueryString), 'query');
      else if (event.rawQueryString) validateNoQuery(event.rawQueryString);
      if (route.request.body) state.body = validatePart(route.request.body, rawBody ?? {}, 'body');
    },
  };
}

/**
 * Step 5 for form routes: multipart/form-data (fields as strings, files aside; unknown file fields
 * refused) or application/x-www-form-urlencoded (the same fields without files: what an HTML form
 * or `curl -d` sends, as PureFrame's clients do), and JSON where the route also takes it.
 */
async function parseFormBody(event: ApiEvent, multipart: NonNullable<RouteDefinition['multipart']>, state: RequestState): Promise<unknown> {
  const contentType = header(event, 'content-type') ?? '';
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (multipart.alsoJson && /^application\/json\b/i.test(contentType)) return parseJsonBody(event.body, event.isBase64Encoded, contentType);
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType)) return parseQueryString(body.toString('utf8'));
  if (!/^multipart\/form-data\b/i.test(contentType)) {
    const accepted = ['multipart/form-data', 'application/x-www-form-urlencoded', ...(multipart.alsoJson ? ['application/json'] : [])];
    throw new AppError('BAD_REQUEST', `This route takes Content-Type: ${accepted.join(', ')} (got ${contentType.split(';')[0] || 'none'})`);
  }
  const { fields, files } = await parseMultipart(body, contentType, multipart.maxFileBytes);
  const unknownFiles = Object.keys(files).filter((name) => !multipart.fileFields.includes(name));
  if (unknownFiles.length > 0) throw validationError(unknownFiles.map((name) => ({ path: name, message: 'unknown file field' })));
  state.files = files;
  return fields;
}

/** A route without a query schema takes no query parameters at all. */
function validateNoQuery(rawQueryString: string): void {
  const names = Object.keys(parseQueryString(rawQueryString));
  if (names.length > 0) {
    throw new AppError('VALIDATION_ERROR', `This route takes no query parameters (got ${names.join(', ')})`, {
      fields: names.map((name) => ({ path: name, message: 'unknown query parameter' })),
    });
  }
}

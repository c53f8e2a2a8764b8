import type { z } from 'zod';
import { AppError, validationError, type FieldError } from '#lib/errors';

/** Turns zod issues into the contract's `detail.fields` ([{path, message}]). */
export function fieldErrors(issues: readonly z.core.$ZodIssue[], location: 'path' | 'query' | 'body'): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    const base = issue.path.map(String).join('.');
    // A union (e.g. an upload from a file or from a URL): report the branch the input came closest to.
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
      return fieldErrors(closest, location);
    }
    if (issue.code === 'unrecognized_keys') {
      const what = location === 'query' ? 'unknown query parameter' : 'unknown field';
      return issue.keys.map((key) => ({ path: base ? `${base}.${key}` : key, message: what }));
    }
    return [{ path: base, message: issue.message }];
  });
}

export function validatePart<T extends z.ZodType>(schema: T, value: unknown, location: 'path' | 'query' | 'body'): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(fieldErrors(parsed.error.issues, location));
  return parsed.data;
}

/** Query string → object; a repeated parameter becomes an array. */
export function parseQueryString(rawQueryString: string | undefined): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString ?? '')) {
    const existing = result[name];
    if (existing === undefined) result[name] = value;
    else result[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return result;
}

/** JSON bodies only; broken JSON or another content type is BAD_REQUEST (step 5). */
export function parseJsonBody(body: string | undefined, isBase64Encoded: boolean, contentType: string | undefined): unknown {
  if (body === undefined || body === '') return undefined;
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new AppError('BAD_REQUEST', `This route takes Content-Type: application/json (got ${mediaType ?? 'none'})`);
  }
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'The request body is not valid JSON');
  }
}

/**
 * The error catalogue: every code of shared/contract/errors.md with its HTTP status.
 * This is the only place a status code for an error is chosen. Handlers and lib code throw
 * `AppError`s; the HTTP chain (lib/http/api-handler.ts, errorEnvelope) turns them into the envelope.
 */
export const ERROR_CATALOGUE = {
  UNAUTHORIZED: { status: 401, message: 'Missing or malformed credential: send Authorization: Bearer <API key or session token>' },
  INVALID_API_KEY: { status: 401, message: 'This API key does not exist or has been revoked' },
  SESSION_EXPIRED: { status: 401, message: 'This session has expired or was logged out; sign in again' },
  FORBIDDEN: { status: 403, message: 'This credential is not allowed to do that' },
  COLLECTION_NOT_FOUND: { status: 404, message: 'Collection not found' },
  COLLECTION_NAME_TAKEN: { status: 409, message: 'You already have a collection with that name' },
  VIDEO_NOT_FOUND: { status: 404, message: 'Video not found' },
  UPLOAD_TOO_LARGE: { status: 413, message: 'File exceeds the 5 GB maximum' },
  UNSUPPORTED_FORMAT: { status: 415, message: 'Unsupported format' },
  PLAN_LIMIT_EXCEEDED: { status: 402, message: "This would take the account past its plan's storage limit" },
  SEARCH_LIMIT_EXCEEDED: { status: 402, message: 'Daily search quota used up; it resets at 00:00 UTC' },
  SEARCH_UNAVAILABLE: { status: 503, message: 'Search is unavailable right now; retry shortly' },
  INSUFFICIENT_CREDITS: { status: 402, message: 'The credit balance cannot pay for this; top up to continue' },
  PAYMENT_METHOD_REQUIRED: { status: 402, message: 'This needs a saved payment method' },
  PAYMENT_FAILED: { status: 402, message: 'The payment was attempted and failed' },
  BILLING_NOT_CONFIGURED: { status: 402, message: 'Billing is not configured on this deployment' },
  JOB_NOT_FOUND: { status: 404, message: 'Job not found' },
  API_KEY_NOT_FOUND: { status: 404, message: 'API key not found' },
  API_KEY_ALREADY_REVOKED: { status: 409, message: 'This API key is already revoked' },
  API_KEY_LIMIT_REACHED: { status: 402, message: 'Active API key limit of the plan reached; revoke a key or upgrade' },
  VALIDATION_ERROR: { status: 422, message: 'The request did not validate' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  INTERNAL_ERROR: { status: 500, message: 'Something went wrong on our side; it has been logged with the request id' },
  RATE_LIMIT_EXCEEDED: { status: 429, message: 'Rate limit exceeded; retry after the window resets' },
  BAD_REQUEST: { status: 400, message: 'The request body could not be parsed' },
  ACCOUNT_EXISTS: { status: 409, message: 'An account with this email already exists' },
  WEBHOOK_NOT_FOUND: { status: 404, message: 'Webhook endpoint not found' },
  WEBHOOK_LIMIT_REACHED: { status: 402, message: 'Webhook endpoint limit of the plan reached' },
  UPLOAD_NOT_FOUND: { status: 404, message: 'Upload not found' },
  UPLOAD_INCOMPLETE: { status: 409, message: 'The upload is not complete' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * Codes a failed job carries (errors.md, Job error codes), and the plan limit when a file fetched
 * from a URL turns out not to fit. INDEXING_FAILED never comes back as an HTTP answer of its own.
 */
export const JOB_ERROR_CODES = ['UNSUPPORTED_FORMAT', 'UPLOAD_TOO_LARGE', 'INSUFFICIENT_CREDITS', 'INDEXING_FAILED', 'PLAN_LIMIT_EXCEEDED'] as const;
export type JobErrorCode = (typeof JOB_ERROR_CODES)[number];

export interface FieldError {
  path: string;
  message: string;
}

/** Extra keys the contract allows in `detail` beside code and message. */
export interface ErrorExtras {
  fields?: FieldError[];
  retry_after?: number;
  limit?: number;
  used?: number;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extras: ErrorExtras;

  constructor(code: ErrorCode, message?: string, extras: ErrorExtras = {}) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.extras = extras;
  }
}

/**
 * A background step's refusal or give-up (ingest, a URL fetch, indexing): it fails the job with this
 * code and message, and never becomes an HTTP answer of its own.
 */
export class JobFailedError extends Error {
  constructor(
    readonly code: JobErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'JobFailedError';
  }
}

export function statusOf(code: ErrorCode): number {
  return ERROR_CATALOGUE[code].status;
}

export function validationError(fields: FieldError[], message?: string): AppError {
  const summary = fields.map((field) => `${field.path || '(body)'}: ${field.message}`).join('; ');
  return new AppError('VALIDATION_ERROR', message ?? `Invalid request: ${summary}`, { fields });
}

/**
 * The error catalogue: every error code of the API with its HTTP status, default message, and when it
 * answers. docs/errors.md is generated from it (`npm run docs:errors`; a test keeps the two in step).
 * This is the only place a status code for an error is chosen. Handlers and lib code throw
 * `AppError`s; the HTTP chain (lib/http/api-handler.ts, errorEnvelope) turns them into the envelope.
 */
export const ERROR_CATALOGUE = {
  UNAUTHORIZED: {
    status: 401,
    message: 'Missing or malformed credential: send Authorization: Bearer <API key or session token>',
    area: 'Auth',
    when: 'No credential, or one that is not even shaped like one',
  },
  INVALID_API_KEY: {
    status: 401,
    message: 'This API key does not exist or has been revoked',
    area: 'Auth',
    when: 'A well-formed key that does not exist or has been revoked',
  },
  SESSION_EXPIRED: {
    status: 401,
    message: 'This session has expired or was logged out; sign in again',
    area: 'Auth',
    when: 'A session-shaped token (`fss_…`) that is unknown, past its expiry, or logged out',
  },
  FORBIDDEN: {
    status: 403,
    message: 'This credential is not allowed to do that',
    area: 'Auth',
    when: 'The credential is valid but may not do this (read-only key writing; an API key on a session-only route)',
  },
  COLLECTION_NOT_FOUND: {
    status: 404,
    message: 'Collection not found',
    area: 'Collections',
    when: 'Unknown id, or owned by another account (never reveal which)',
  },
  COLLECTION_NAME_TAKEN: {
    status: 409,
    message: 'You already have a collection with that name',
    area: 'Collections',
    when: 'The account already has a collection with that name',
  },
  VIDEO_NOT_FOUND: {
    status: 404,
    message: 'Video not found',
    area: 'Videos',
    when: 'Unknown id, or owned by another account',
  },
  UPLOAD_TOO_LARGE: {
    status: 413,
    message: 'File exceeds the 5 GB maximum',
    area: 'Upload',
    when: 'Over the 5 GB per-file maximum (declared or actual); also an oversized search image',
  },
  UNSUPPORTED_FORMAT: {
    status: 415,
    message: 'Unsupported format',
    area: 'Upload',
    when: 'Not MP4, MOV, AVI, WebM, MPEG or MKV (by declared type, extension, and actual bytes); unsupported search image type',
  },
  PLAN_LIMIT_EXCEEDED: {
    status: 402,
    message: "This would take the account past its plan's storage limit",
    area: 'Upload',
    when: "The upload would take the account past its plan's storage limit",
  },
  SEARCH_LIMIT_EXCEEDED: {
    status: 402,
    message: 'Daily search quota used up; it resets at 00:00 UTC',
    area: 'Search',
    when: "Free plan's daily search quota used up (resets 00:00 UTC)",
  },
  SEARCH_UNAVAILABLE: {
    status: 503,
    message: 'Search is unavailable right now; retry shortly',
    area: 'Search',
    when: 'The search index or query embedder cannot answer right now; retry shortly (with `Retry-After`)',
  },
  INSUFFICIENT_CREDITS: {
    status: 402,
    message: 'The credit balance cannot pay for this; top up to continue',
    area: 'Billing',
    when: "The account's credit balance cannot pay for this (search, indexing)",
  },
  PAYMENT_METHOD_REQUIRED: {
    status: 402,
    message: 'This needs a saved payment method',
    area: 'Billing',
    when: 'The action needs a saved payment method (off-session top-up, plan upgrade, auto top-up)',
  },
  PAYMENT_FAILED: {
    status: 402,
    message: 'The payment was attempted and failed',
    area: 'Billing',
    when: 'A Stripe charge was attempted and failed (declined, authentication required, …)',
  },
  BILLING_NOT_CONFIGURED: {
    status: 402,
    message: 'Billing is not configured on this deployment',
    area: 'Billing',
    when: 'The deployment has no Stripe keys, so nothing that talks to Stripe can run (reading `GET /v1/billing` still works)',
  },
  JOB_NOT_FOUND: {
    status: 404,
    message: 'Job not found',
    area: 'Jobs',
    when: 'Unknown id, or owned by another account',
  },
  API_KEY_NOT_FOUND: {
    status: 404,
    message: 'API key not found',
    area: 'API keys',
    when: "Unknown key id (or another account's)",
  },
  API_KEY_ALREADY_REVOKED: {
    status: 409,
    message: 'This API key is already revoked',
    area: 'API keys',
    when: 'Revoking a key that is already revoked',
  },
  API_KEY_LIMIT_REACHED: {
    status: 402,
    message: 'Active API key limit of the plan reached; revoke a key or upgrade',
    area: 'API keys',
    when: "Creating a key past the plan's active-key limit",
  },
  VALIDATION_ERROR: {
    status: 422,
    message: 'The request did not validate',
    area: 'General',
    when: 'A parameter or body field fails validation; `fields` says which and why',
  },
  NOT_FOUND: {
    status: 404,
    message: 'Not found',
    area: 'General',
    when: 'Unknown route, or any other missing resource without its own code',
  },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Something went wrong on our side; it has been logged with the request id',
    area: 'General',
    when: 'Anything unexpected; logged with the request id, never detailed to the client',
  },
  RATE_LIMIT_EXCEEDED: {
    status: 429,
    message: 'Rate limit exceeded; retry after the window resets',
    area: 'General',
    when: "Over the account's limit for that route group; with `Retry-After` (seconds)",
  },
  BAD_REQUEST: {
    status: 400,
    message: 'The request body could not be parsed',
    area: 'General',
    when: 'The body cannot be parsed at all: broken JSON, broken multipart, wrong `Content-Type` for the route; a Stripe webhook whose signature does not verify',
  },
  ACCOUNT_EXISTS: {
    status: 409,
    message: 'An account with this email already exists',
    area: 'Auth',
    when: 'Sign-up with an email that already has an account',
  },
  WEBHOOK_NOT_FOUND: {
    status: 404,
    message: 'Webhook endpoint not found',
    area: 'Webhooks',
    when: 'Unknown webhook endpoint or delivery id',
  },
  WEBHOOK_LIMIT_REACHED: {
    status: 402,
    message: 'Webhook endpoint limit of the plan reached',
    area: 'Webhooks',
    when: "Creating a webhook endpoint past the plan's limit",
  },
  UPLOAD_NOT_FOUND: {
    status: 404,
    message: 'Upload not found',
    area: 'Upload',
    when: 'Unknown upload id (presigned upload session)',
  },
  UPLOAD_INCOMPLETE: {
    status: 409,
    message: 'The upload is not complete',
    area: 'Upload',
    when: 'Completing an upload whose bytes are not all in storage, or whose parts do not match',
  },
} as const satisfies Record<string, { status: number; message: string; area: string; when: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * Codes a failed job carries (errors.md, Job error codes), and the plan limit when a file fetched
 * from a URL turns out not to fit. INDEXING_FAILED never comes back as an HTTP answer of its own.
 */
export const JOB_ERROR_CODES = ['UNSUPPORTED_FORMAT', 'UPLOAD_TOO_LARGE', 'INSUFFICIENT_CREDITS', 'INDEXING_FAILED', 'PLAN_LIMIT_EXCEEDED'] as const;
export type JobErrorCode = (typeof JOB_ERROR_CODES)[number];

/** When each job error code is recorded on a failed job (documented in docs/errors.md). */
export const JOB_ERROR_WHEN: Record<JobErrorCode, string> = {
  UNSUPPORTED_FORMAT: 'The stored bytes are not a supported video, or have no video stream',
  UPLOAD_TOO_LARGE: 'The stored object is larger than declared or than 5 GB',
  INSUFFICIENT_CREDITS: 'The indexing charge could not be reserved or settled',
  INDEXING_FAILED: 'A step kept failing after its retries (the message names the stage; nothing internal)',
  PLAN_LIMIT_EXCEEDED: "A file fetched from a URL turns out larger than the plan's storage limit leaves room for",
};

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

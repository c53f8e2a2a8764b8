/**
 * A failure the user should read as `error: CODE: message` (exit code 1). API errors keep the
 * API's own `detail.code`, so what the CLI prints can be looked up in the contract's error list.
 */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** An error envelope `{"detail": {"code", "message"}}` answered by the API. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message);
    this.name = 'ApiError';
  }
}

/** Stops the run with exit code 130 as Ctrl-C would, leaving the resume state for the next run. */
export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterruptedError';
  }
}

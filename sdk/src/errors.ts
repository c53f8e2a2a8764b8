/**
 * Every failure the SDK reports: an error envelope `{detail: {code, message, request_id}}` from the API
 * (the codes are in the API's docs/errors.md), or the API not answering at all (`NETWORK_ERROR`, status 0).
 */
export class FrameseekError extends Error {
  constructor(
    /** HTTP status; 0 when no answer came. */
    readonly status: number,
    /** The API's `detail.code` (stable: branch on it), `NETWORK_ERROR`, or `HTTP_<status>` for a body that is not the envelope. */
    readonly code: string,
    message: string,
    readonly requestId: string | undefined = undefined,
    /** The whole `detail` (e.g. `fields` of a VALIDATION_ERROR, `retry_after` of a 429). */
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'FrameseekError';
  }

  /** From an answer that was not a success; `body` is what openapi-fetch parsed (JSON or text). */
  static fromResponse(response: Response, body: unknown): FrameseekError {
    const detail = isRecord(body) && isRecord(body.detail) ? body.detail : undefined;
    if (detail && typeof detail.code === 'string' && typeof detail.message === 'string') {
      const requestId = typeof detail.request_id === 'string' ? detail.request_id : undefined;
      return new FrameseekError(response.status, detail.code, detail.message, requestId, detail);
    }
    // Not our envelope (a proxy, the wrong base URL): the start of what came back is the best clue.
    const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
    return new FrameseekError(response.status, `HTTP_${response.status}`, text.slice(0, 200) || 'no body');
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

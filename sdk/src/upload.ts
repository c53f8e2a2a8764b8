import { type FrameseekApi, idempotent, newIdempotencyKey, unwrap } from './client.ts';
import { FrameseekError } from './errors.ts';

export interface UploadIds {
  upload_id: string;
  video_id: string;
  job_id: string;
}

export interface UploadProgress {
  /** Bytes of the file stored so far (parts stored by an earlier, interrupted call included). */
  sentBytes: number;
  totalBytes: number;
}

export interface UploadVideoOptions {
  collectionId: string;
  /** The video. In Node: `await fs.openAsBlob(path)`; only the slices being sent are read. */
  file: Blob;
  filename: string;
  /** Default: the Blob's own type. One of the API's video types (video/mp4, video/quicktime, …). */
  contentType?: string;
  webhookUrl?: string;
  /** Sent with POST /v1/uploads; a repeat after a lost answer gets the same upload back. Default: a fresh one. */
  idempotencyKey?: string;
  /** The upload_id of an earlier call that was interrupted: only the parts still missing are sent. */
  resumeUploadId?: string;
  /** Told the ids as soon as the upload exists: keep upload_id to resume after an interruption. */
  onStarted?: (ids: UploadIds) => void;
  onProgress?: (progress: UploadProgress) => void;
  /** Parts sent at once (default 4). */
  concurrency?: number;
  /** Stops sending; the upload can be resumed with its upload_id. */
  signal?: AbortSignal;
  /** The fetch used for storage PUTs (default globalThis.fetch). */
  fetch?: typeof globalThis.fetch;
}

interface PartUrl {
  part_number: number;
  url: string;
}

/** Where bytes still have to go. */
type Plan =
  | { kind: 'single'; url: string; headers: Record<string, string> }
  | { kind: 'multipart'; partSize: number; missing: PartUrl[]; received: number[] }
  | { kind: 'stored' };

const STORAGE_RETRIES = 3;

/**
 * Uploads a video the way the API wants it (api.md Uploads): POST /v1/uploads for a presigned PUT (≤ 100 MB) or
 * presigned parts, PUT the bytes straight to storage, then complete. With `resumeUploadId` it asks the API which
 * parts are missing and sends only those. Returns the ids; follow indexing with `waitForJob`.
 */
export async function uploadVideo(client: FrameseekApi, options: UploadVideoOptions): Promise<UploadIds> {
  const { ids, plan } = options.resumeUploadId === undefined ? await startUpload(client, options) : await resumeUpload(client, options.resumeUploadId);
  options.onStarted?.(ids);
  const progress = progressCounter(options, plan);
  const send = options.fetch ?? globalThis.fetch;
  if (plan.kind === 'single') {
    await putBytes(send, { url: plan.url, headers: plan.headers, body: options.file }, progress, options.signal);
    await unwrap(client.POST('/v1/uploads/{upload_id}/complete', { params: { path: { upload_id: ids.upload_id } }, body: {} }));
  } else if (plan.kind === 'multipart') {
    const parts = await putParts(send, options, plan, progress);
    await unwrap(client.POST('/v1/uploads/{upload_id}/complete', { params: { path: { upload_id: ids.upload_id } }, body: { parts } }));
  }
  return ids;
}

async function startUpload(client: FrameseekApi, options: UploadVideoOptions): Promise<{ ids: UploadIds; plan: Plan }> {
  const body = {
    collection_id: options.collectionId,
    filename: options.filename,
    size_bytes: options.file.size,
    content_type: options.contentType ?? options.file.type,
    ...(options.webhookUrl === undefined ? {} : { webhook_url: options.webhookUrl }),
  };
  const header = idempotent(options.idempotencyKey ?? newIdempotencyKey());
  const { data: ticket } = await unwrap(client.POST('/v1/uploads', { body, params: { header } }));
  // The other answer of this route is the source_url one, which this body never asks for.
  if (!('method' in ticket)) throw new FrameseekError(201, 'BAD_RESPONSE', 'POST /v1/uploads answered no upload URL');
  const ids = { upload_id: ticket.upload_id, video_id: ticket.video_id, job_id: ticket.job_id };
  if (ticket.multipart) return { ids, plan: { kind: 'multipart', partSize: ticket.multipart.part_size, missing: ticket.multipart.parts, received: [] } };
  if (ticket.url === undefined) throw new FrameseekError(201, 'BAD_RESPONSE', 'POST /v1/uploads answered neither a URL nor parts');
  return { ids, plan: { kind: 'single', url: ticket.url, headers: ticket.headers ?? {} } };
}

async function resumeUpload(client: FrameseekApi, uploadId: string): Promise<{ ids: UploadIds; plan: Plan }> {
  const { data: state } = await unwrap(client.GET('/v1/uploads/{upload_id}', { params: { path: { upload_id: uploadId } } }));
  const ids = { upload_id: state.upload_id, video_id: state.video_id, job_id: state.job_id };
  if (state.status === 'complete') return { ids, plan: { kind: 'stored' } };
  if (state.status !== 'awaiting_bytes') throw new FrameseekError(409, 'UPLOAD_NOT_RESUMABLE', `upload ${uploadId} is ${state.status}; start a new one`);
  if (state.multipart) {
    return { ids, plan: { kind: 'multipart', partSize: state.multipart.part_size, missing: state.multipart.parts, received: state.parts_received ?? [] } };
  }
  // A single PUT's URL is not issued twice: its bytes either arrived (complete succeeds) or the upload is restarted.
  await unwrap(client.POST('/v1/uploads/{upload_id}/complete', { params: { path: { upload_id: uploadId } }, body: {} }));
  return { ids, plan: { kind: 'stored' } };
}

interface Counter {
  add(bytes: number): void;
}

function progressCounter(options: UploadVideoOptions, plan: Plan): Counter {
  const totalBytes = options.file.size;
  const partBytes = (partSize: number, partNumber: number) => {
    const { start, end } = partRange(partSize, partNumber, totalBytes);
    return end - start;
  };
  let sentBytes = plan.kind === 'stored' ? totalBytes : 0;
  if (plan.kind === 'multipart') sentBytes = plan.received.reduce((sum, partNumber) => sum + partBytes(plan.partSize, partNumber), 0);
  options.onProgress?.({ sentBytes, totalBytes });
  return {
    add(bytes) {
      sentBytes += bytes;
      options.onProgress?.({ sentBytes, totalBytes });
    },
  };
}

function partRange(partSize: number, partNumber: number, totalBytes: number): { start: number; end: number } {
  const start = (partNumber - 1) * partSize;
  return { start, end: Math.min(start + partSize, totalBytes) };
}

async function putParts(
  send: typeof globalThis.fetch,
  options: UploadVideoOptions,
  plan: Extract<Plan, { kind: 'multipart' }>,
  progress: Counter,
): Promise<{ part_number: number; etag: string }[]> {
  const queue = plan.missing.values();
  const etags: { part_number: number; etag: string }[] = [];
  // Workers share one iterator, so each part is taken once; the first failure stops the rest at their next part.
  const worker = async () => {
    for (const part of queue) {
      const { start, end } = partRange(plan.partSize, part.part_number, options.file.size);
      const etag = await putBytes(send, { url: part.url, headers: {}, body: options.file.slice(start, end) }, progress, options.signal);
      if (etag) etags.push({ part_number: part.part_number, etag });
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, plan.missing.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return etags.sort((a, b) => a.part_number - b.part_number);
}

/**
 * One presigned PUT, streamed so progress is heard as bytes go (Content-Length set: storage refuses chunked bodies).
 * 5xx and network failures are retried with backoff, taking back the bytes counted for the failed attempt; a 4xx is
 * final (signature, size or expiry: the same bytes again cannot help). Returns the ETag.
 */
async function putBytes(
  send: typeof globalThis.fetch,
  target: { url: string; headers: Record<string, string>; body: Blob },
  progress: Counter,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  for (let attempt = 0; ; attempt += 1) {
    let counted = 0;
    const body = target.body.stream().pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          counted += chunk.byteLength;
          progress.add(chunk.byteLength);
          controller.enqueue(chunk);
        },
      }),
    );
    // set() replaces whatever case the signed headers used: two Content-Length values would break the signature.
    const headers = new Headers(target.headers);
    headers.set('content-length', String(target.body.size));
    let failure: string;
    try {
      // `duplex` is required by fetch for a streamed body; lib.dom's RequestInit does not know it yet.
      const init: RequestInit & { duplex: 'half' } = { method: 'PUT', headers, body, duplex: 'half', signal };
      const response = await send(target.url, init);
      const text = await response.text();
      if (response.ok) return response.headers.get('etag') ?? undefined;
      failure = `storage answered HTTP ${response.status}${storageMessage(text)}`;
      if (response.status < 500) throw new FrameseekError(response.status, 'STORAGE_REJECTED', failure);
    } catch (error) {
      if (error instanceof FrameseekError || signal?.aborted) throw error;
      failure = error instanceof Error ? error.message : String(error);
    }
    progress.add(-counted);
    if (attempt >= STORAGE_RETRIES) throw new FrameseekError(0, 'STORAGE_UNREACHABLE', `${failure} (gave up after ${STORAGE_RETRIES + 1} attempts)`);
    await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
  }
}

/** S3 explains a refusal in XML; its Code and Message are what a person can act on. */
function storageMessage(body: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  return code || message ? ` (${[code, message].filter(Boolean).join(': ')})` : '';
}

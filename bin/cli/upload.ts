import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, CliError, InterruptedError } from './errors.ts';
import type { ApiClient, Job, PartEtag, PartUrl, UploadIds, UploadState } from './api-client.ts';
import { contentTypeFor, SUPPORTED_EXTENSIONS } from './media-types.ts';
import { forEachLimited } from './pool.ts';
import { byteProgress, formatBytes } from './progress.ts';
import { ResumeStore, type FileIdentity, type ResumeState } from './resume-state.ts';
import { putFileRange } from './transfer.ts';

export interface UploadOptions {
  file: string;
  collectionId: string;
  api: ApiClient;
  stateDir: string;
  /** Parts in flight at once. */
  concurrency: number;
  /** How long to wait for the job to leave `queued`; undefined: do not wait. */
  waitSecs: number | undefined;
  /** Test switch: stop as if interrupted once this many parts are stored by this run. */
  stopAfterParts: number | undefined;
  /** Told when the bytes are stored and the upload completed: from then on there is nothing to resume. */
  onUploaded?: (ids: UploadIds) => void;
  /** Results (ids, status), one `name  value` per line so scripts can pick them out… */
  stdout: NodeJS.WriteStream;
  /** …or, with --json, one object `{data: {upload, video, job, status}}` at the end. */
  json: boolean;
  /** Progress and notes. */
  stderr: NodeJS.WriteStream;
}

interface LocalVideo extends FileIdentity {
  name: string;
  contentType: string;
}

/** Where bytes still have to go, whether just opened or picked up from an earlier run. */
type Session =
  | { kind: 'single'; ids: UploadIds; url: string; headers: Record<string, string> }
  | { kind: 'multipart'; ids: UploadIds; partSize: number; missing: PartUrl[]; received: number[] }
  | { kind: 'complete'; ids: UploadIds };

const JOB_POLL_MS = 500;

/** `frameseek upload`: sends one file, completes the upload and reports its job. Returns the exit code. */
export async function uploadFile(options: UploadOptions): Promise<number> {
  const results: Record<string, string> = {};
  const code = await uploadAndReport({ ...options, report: (name, value) => (results[name] = value) });
  if (options.json) options.stdout.write(`${JSON.stringify({ data: results }, null, 2)}\n`);
  return code;
}

interface ReportingOptions extends UploadOptions {
  report: (name: string, value: string) => void;
}

async function uploadAndReport(options: ReportingOptions): Promise<number> {
  const file = await localVideo(options.file);
  const store = new ResumeStore(options.stateDir, file);
  const saved = await store.read();
  const resumable = saved?.collection_id === options.collectionId ? saved.upload_id : undefined;
  const session = (resumable === undefined ? undefined : await resumeSession(options, resumable)) ?? (await startSession(options, file, store, saved));
  result(options, 'upload', session.ids.upload_id);

  if (session.kind === 'single') {
    await sendWhole(options, file, session.url, session.headers);
    await options.api.completeUpload(session.ids.upload_id, undefined);
  } else if (session.kind === 'multipart') {
    const etags = await sendParts(options, file, session);
    await options.api.completeUpload(session.ids.upload_id, etags);
  }
  await store.remove();
  options.onUploaded?.(session.ids);
  result(options, 'video', session.ids.video_id);
  result(options, 'job', session.ids.job_id);
  if (options.waitSecs === undefined) return 0;
  return reportJob(options, await settledJob(options.api, session.ids.job_id, options.waitSecs), options.waitSecs);
}

/** Everything about the file that can be refused is refused here, before any request. */
async function localVideo(file: string): Promise<LocalVideo> {
  const path = resolve(file);
  const stats = await stat(path).catch(() => undefined);
  if (!stats) throw new CliError('FILE_NOT_FOUND', `${file}: no such file`);
  if (!stats.isFile()) throw new CliError('NOT_A_FILE', `${file}: not a regular file`);
  const contentType = contentTypeFor(path);
  if (!contentType) {
    throw new CliError('UNSUPPORTED_FORMAT', `${basename(path)}: not a supported video type; the file name must end in ${SUPPORTED_EXTENSIONS.join(', ')}`);
  }
  if (stats.size === 0) throw new CliError('EMPTY_FILE', `${file}: the file is empty`);
  return { path, name: basename(path), sizeBytes: stats.size, mtimeMs: stats.mtimeMs, contentType };
}

async function startSession(options: UploadOptions, file: LocalVideo, store: ResumeStore, saved: ResumeState | undefined): Promise<Session> {
  // A key saved without an upload id belongs to a request whose answer was never heard: sending
  // it again replays that answer rather than opening a second upload.
  const replay = saved !== undefined && saved.collection_id === options.collectionId && saved.upload_id === undefined;
  const state: ResumeState = { collection_id: options.collectionId, idempotency_key: replay ? saved.idempotency_key : randomUUID() };
  await store.write(state);
  const ticket = await options.api.createUpload(
    { collection_id: options.collectionId, filename: file.name, size_bytes: file.sizeBytes, content_type: file.contentType },
    state.idempotency_key,
  );
  await store.write({ ...state, upload_id: ticket.upload_id });
  const ids = { upload_id: ticket.upload_id, video_id: ticket.video_id, job_id: ticket.job_id };
  if (ticket.multipart) {
    note(options, `uploading ${file.name} (${formatBytes(file.sizeBytes)}) in ${ticket.multipart.parts.length} parts`);
    return { kind: 'multipart', ids, partSize: ticket.multipart.part_size, missing: ticket.multipart.parts, received: [] };
  }
  if (ticket.url === undefined || ticket.headers === undefined) throw new CliError('BAD_RESPONSE', 'the API answered neither an upload URL nor parts');
  note(options, `uploading ${file.name} (${formatBytes(file.sizeBytes)})`);
  return { kind: 'single', ids, url: ticket.url, headers: ticket.headers };
}

/** Picks up an upload from an earlier run; undefined when it cannot be continued and a new one is needed. */
async function resumeSession(options: UploadOptions, uploadId: string): Promise<Session | undefined> {
  let state: UploadState;
  try {
    state = await options.api.getUpload(uploadId);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    note(options, `upload ${uploadId} no longer exists; starting a new one`);
    return undefined;
  }
  const ids = { upload_id: state.upload_id, video_id: state.video_id, job_id: state.job_id };
  if (state.status === 'aborted' || state.status === 'expired') {
    note(options, `upload ${uploadId} was ${state.status}; starting a new one`);
    return undefined;
  }
  if (state.status === 'complete') {
    note(options, `upload ${uploadId} is already complete`);
    return { kind: 'complete', ids };
  }
  if (state.multipart) {
    const received = state.parts_received ?? [];
    const total = received.length + state.multipart.parts.length;
    note(options, `resuming upload ${uploadId} (${received.length} of ${total} parts already stored)`);
    return { kind: 'multipart', ids, partSize: state.multipart.part_size, missing: state.multipart.parts, received };
  }
  // A single PUT's URL is not issued again. Either its bytes did arrive (complete says so), or the
  // session is given up, which also releases the storage it reserved, and a new one is opened.
  try {
    await options.api.completeUpload(uploadId, undefined);
    return { kind: 'complete', ids };
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'UPLOAD_INCOMPLETE')) throw error;
  }
  await options.api.abortUpload(uploadId);
  note(options, `upload ${uploadId} never received its bytes; starting a new one`);
  return undefined;
}

async function sendWhole(options: UploadOptions, file: LocalVideo, url: string, headers: Record<string, string>): Promise<void> {
  const progress = byteProgress(options.stderr, file.sizeBytes, 0);
  try {
    await putFileRange({ url, headers, label: file.name }, { path: file.path, start: 0, end: file.sizeBytes }, progress.add);
  } catch (error) {
    progress.stop();
    throw error;
  }
  progress.finish(`uploaded ${file.name} (${formatBytes(file.sizeBytes)})`);
}

/** PUTs the missing parts, a few at a time; returns the ETags of the parts this run stored. */
async function sendParts(options: UploadOptions, file: LocalVideo, session: Extract<Session, { kind: 'multipart' }>): Promise<PartEtag[]> {
  const partRange = (partNumber: number) => {
    const start = (partNumber - 1) * session.partSize;
    return { path: file.path, start, end: Math.min(start + session.partSize, file.sizeBytes) };
  };
  const alreadyStored = session.received.map(partRange).reduce((sum, range) => sum + range.end - range.start, 0);
  const progress = byteProgress(options.stderr, file.sizeBytes, alreadyStored);
  const etags: PartEtag[] = [];
  let storedNow = 0;
  try {
    await forEachLimited(session.missing, options.concurrency, async (part) => {
      const range = partRange(part.part_number);
      const headers = { 'Content-Length': String(range.end - range.start) };
      const etag = await putFileRange({ url: part.url, headers, label: `part ${part.part_number}` }, range, progress.add);
      if (etag) etags.push({ part_number: part.part_number, etag });
      storedNow += 1;
      if (storedNow === options.stopAfterParts) throw new InterruptedError(`FRAMESEEK_CLI_STOP_AFTER_PARTS: ${storedNow} parts stored`);
    });
  } catch (error) {
    progress.stop();
    throw error;
  }
  const total = session.received.length + session.missing.length;
  progress.finish(`uploaded ${file.name} (${formatBytes(file.sizeBytes)}): sent ${session.missing.length} of ${total} parts`);
  return etags.sort((a, b) => a.part_number - b.part_number);
}

/** Polls the job until ingest has looked at the bytes (it leaves `queued`) or the wait is over. */
async function settledJob(api: ApiClient, jobId: string, waitSecs: number): Promise<Job> {
  const deadline = Date.now() + waitSecs * 1000;
  for (;;) {
    const job = await api.getJob(jobId);
    if (job.status !== 'queued' || Date.now() >= deadline) return job;
    await sleep(JOB_POLL_MS);
  }
}

function reportJob(options: ReportingOptions, job: Job, waitSecs: number): number {
  result(options, 'status', job.status);
  if (job.status === 'failed') {
    note(options, `error: ${job.error_code ?? 'JOB_FAILED'}: ${job.error ?? 'the job failed without saying why'}`);
    return 1;
  }
  // The bytes are stored and the job accepted: a slow start is not the upload failing.
  if (job.status === 'queued') note(options, `job ${job.job_id} is still queued after ${waitSecs} s; follow it with GET /v1/jobs/${job.job_id}`);
  return 0;
}

function result(options: ReportingOptions, name: string, value: string): void {
  options.report(name, value);
  if (!options.json) options.stdout.write(`${name.padEnd(7)} ${value}\n`);
}

function note(options: UploadOptions, line: string): void {
  options.stderr.write(`${line}\n`);
}

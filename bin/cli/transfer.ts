import { createReadStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline, Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from './errors.ts';

/** Bytes [start, end) of a file on disk. */
export interface FileRange {
  path: string;
  start: number;
  end: number;
}

/** A presigned PUT: the URL and the headers it was signed with (their values must match exactly). */
export interface PutTarget {
  url: string;
  headers: Record<string, string>;
  /** How the target is named in messages ("part 3", "the file"). */
  label: string;
}

const RETRIES = 3;
const FIRST_BACKOFF_MS = 500;

/**
 * PUTs a byte range of a file to presigned storage, streamed from disk, and returns the ETag.
 * Network errors and 5xx are retried with exponential backoff; a 4xx is final (the signature,
 * size or expiry is wrong, and sending the same bytes again cannot help). `onBytes` hears of
 * bytes as they are read, and of their withdrawal when an attempt fails.
 */
export async function putFileRange(target: PutTarget, range: FileRange, onBytes: (delta: number) => void): Promise<string | undefined> {
  for (let attempt = 0; ; attempt += 1) {
    let sent = 0;
    let failure: string;
    try {
      const response = await putOnce(target, range, (bytes) => {
        sent += bytes;
        onBytes(bytes);
      });
      if (response.status >= 200 && response.status < 300) return response.etag;
      failure = `storage answered HTTP ${response.status}${storageMessage(response.body)}`;
      if (response.status < 500) throw new CliError('STORAGE_REJECTED', `${target.label}: ${failure}`);
    } catch (error) {
      if (error instanceof CliError) throw error;
      failure = error instanceof Error ? error.message : String(error);
    }
    onBytes(-sent);
    if (attempt >= RETRIES) throw new CliError('STORAGE_UNREACHABLE', `${target.label}: ${failure} (gave up after ${RETRIES + 1} attempts)`);
    await sleep(FIRST_BACKOFF_MS * 2 ** attempt);
  }
}

interface PutResponse {
  status: number;
  etag: string | undefined;
  body: string;
}

function putOnce(target: PutTarget, range: FileRange, onBytes: (bytes: number) => void): Promise<PutResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(target.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { method: 'PUT', headers: target.headers }, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, etag: response.headers.etag, body: Buffer.concat(chunks).toString('utf8') }));
    });
    // fs streams take an inclusive end; only this slice is ever read, never the whole file.
    const body = createReadStream(range.path, { start: range.start, end: range.end - 1 });
    let fileError: Error | undefined;
    body.once('error', (error) => {
      fileError = error;
    });
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        onBytes(chunk.length);
        done(null, chunk);
      },
    });
    pipeline(body, counter, request, (error) => {
      if (!error) return;
      // The file itself failing (moved, unreadable) is not worth a retry; the network is.
      reject(fileError ? new CliError('FILE_UNREADABLE', `could not read ${range.path}: ${fileError.message}`) : error);
    });
  });
}

/** S3 explains refusals in XML; its Code and Message are what a user can act on. */
function storageMessage(body: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  if (!code && !message) return '';
  return ` (${[code, message].filter(Boolean).join(': ')})`;
}

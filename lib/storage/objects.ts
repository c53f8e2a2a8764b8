import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  NoSuchKey,
  NoSuchUpload,
  NotFound,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl, S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { config } from '#lib/config';
import { nowMs } from '#lib/clock';
import { s3, mediaBucket } from '#lib/storage/client';

/** Everything Frameseek does with S3 objects; nothing else talks to S3. */

/** A PUT URL bound to the declared length and type: S3 refuses any other body. */
export function presignPut(key: string, contentType: string, contentLength: number, expiresInSecs: number): Promise<string> {
  return getSignedUrl(s3, new PutObjectCommand({ Bucket: mediaBucket, Key: key, ContentType: contentType, ContentLength: contentLength }), {
    expiresIn: expiresInSecs,
    signableHeaders: new Set(['content-type', 'content-length']),
  });
}

export async function startMultipart(key: string, contentType: string): Promise<string> {
  const result = await s3.send(new CreateMultipartUploadCommand({ Bucket: mediaBucket, Key: key, ContentType: contentType }));
  if (!result.UploadId) throw new Error('S3 returned no UploadId');
  return result.UploadId;
}

/** A part URL bound to the part's exact length. */
export function presignPart(key: string, storageUploadId: string, partNumber: number, contentLength: number, expiresInSecs: number): Promise<string> {
  return getSignedUrl(
    s3,
    new UploadPartCommand({ Bucket: mediaBucket, Key: key, UploadId: storageUploadId, PartNumber: partNumber, ContentLength: contentLength }),
    { expiresIn: expiresInSecs, signableHeaders: new Set(['content-length']) },
  );
}

export interface StoredPart {
  partNumber: number;
  etag: string;
  size: number;
}

/** The parts stored so far; undefined once the multipart upload is gone (completed into the object, or aborted). */
export async function listStoredParts(key: string, storageUploadId: string): Promise<StoredPart[] | undefined> {
  const parts: StoredPart[] = [];
  let marker: string | undefined;
  do {
    const page = await s3
      .send(new ListPartsCommand({ Bucket: mediaBucket, Key: key, UploadId: storageUploadId, PartNumberMarker: marker }))
      .catch((error: unknown) => {
        if (error instanceof NoSuchUpload || (error instanceof Error && error.name === 'NoSuchUpload')) return undefined;
        throw error;
      });
    if (!page) return undefined;
    for (const part of page.Parts ?? []) {
      if (part.PartNumber && part.ETag) parts.push({ partNumber: part.PartNumber, etag: part.ETag.replaceAll('"', ''), size: part.Size ?? 0 });
    }
    marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
  } while (marker);
  return parts;
}

export async function completeMultipart(key: string, storageUploadId: string, parts: ReadonlyArray<{ partNumber: number; etag: string }>): Promise<void> {
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: mediaBucket,
      Key: key,
      UploadId: storageUploadId,
      MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: `"${part.etag}"` })) },
    }),
  );
}

export async function abortMultipart(key: string, storageUploadId: string): Promise<void> {
  await s3.send(new AbortMultipartUploadCommand({ Bucket: mediaBucket, Key: key, UploadId: storageUploadId })).catch((error: unknown) => {
    if (!(error instanceof Error && error.name === 'NoSuchUpload')) throw error;
  });
}

/** Size of a stored object, or undefined when there is none. */
export async function storedSize(key: string): Promise<number | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: mediaBucket, Key: key }));
    return head.ContentLength ?? 0;
  } catch (error) {
    if (error instanceof NotFound || error instanceof NoSuchKey) return undefined;
    throw error;
  }
}

/** Size and ETag of a stored object, or undefined when there is none. */
export async function storedVersion(key: string): Promise<{ sizeBytes: number; etag: string } | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: mediaBucket, Key: key }));
    return { sizeBytes: head.ContentLength ?? 0, etag: head.ETag ?? '' };
  } catch (error) {
    if (error instanceof NotFound || error instanceof NoSuchKey) return undefined;
    throw error;
  }
}

/** A server-side copy of exactly the version whose ETag is given: S3 refuses it (412) if the source changed since. */
export async function copyVersion(fromKey: string, etag: string, toKey: string, contentType: string): Promise<void> {
  await s3.send(
    new CopyObjectCommand({
      Bucket: mediaBucket,
      Key: toKey,
      CopySource: `${mediaBucket}/${fromKey}`,
      CopySourceIfMatch: etag,
      ContentType: contentType,
      MetadataDirective: 'REPLACE',
    }),
  );
}

export async function deleteObject(key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: mediaBucket, Key: key }));
}

/** The first bytes of an object (a ranged GET: the rest is never read). */
export async function readHead(key: string, bytes: number): Promise<Uint8Array> {
  const result = await s3.send(new GetObjectCommand({ Bucket: mediaBucket, Key: key, Range: `bytes=0-${bytes - 1}` }));
  return result.Body ? await result.Body.transformToByteArray() : new Uint8Array();
}

/** A whole object (small ones only: staged index rows, thumbnails), or undefined when there is none. */
export async function readObject(key: string): Promise<Uint8Array | undefined> {
  try {
    const result = await s3.send(new GetObjectCommand({ Bucket: mediaBucket, Key: key }));
    return result.Body ? await result.Body.transformToByteArray() : new Uint8Array();
  } catch (error) {
    if (error instanceof NoSuchKey || (error instanceof Error && error.name === 'NoSuchKey')) return undefined;
    throw error;
  }
}

/**
 * Where the bucket's objects live and how a GET of one is signed, worked out once per process:
 * `getSignedUrl` runs the client's whole middleware stack (endpoint rules included) for every
 * link, ~0.4 ms each, and a search page has ~50 links. The origin and base path are taken from
 * one URL the SDK presigned itself, so path-style (the local stand-in) and virtual-hosted (AWS)
 * addressing come out as the SDK would make them; each link is then signed by one presigner.
 */
interface GetSigner {
  presigner: S3RequestPresigner;
  origin: URL;
  basePath: string;
}

const PROBE_KEY = 'presign-probe';
let getSigner: Promise<GetSigner> | undefined;

function signerForGets(): Promise<GetSigner> {
  getSigner ??= getSignedUrl(s3, new GetObjectCommand({ Bucket: mediaBucket, Key: PROBE_KEY }), { expiresIn: 60 }).then((probe) => {
    const origin = new URL(probe);
    if (!origin.pathname.endsWith(`/${PROBE_KEY}`)) throw new Error(`unexpected presigned URL shape: ${origin.pathname}`);
    const region = origin.searchParams.get('X-Amz-Credential')?.split('/')[2] ?? config.AWS_REGION;
    return {
      presigner: new S3RequestPresigner({ ...s3.config, region: () => Promise.resolve(region) }),
      origin,
      basePath: origin.pathname.slice(0, -PROBE_KEY.length),
    };
  });
  getSigner.catch(() => (getSigner = undefined));
  return getSigner;
}

/** S3 object keys in a path: every segment URI-encoded as the SDK does (RFC 3986 unreserved kept). */
function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/**
 * GET links are signed as of the start of the current window and valid `expiresInSecs` past its
 * end: the same object asked for again within a window gets the same URL, so a browser keeps a
 * thumbnail it has already loaded across searches and pages, and a warm function signs each link
 * once per window instead of once per answer. Every link stays valid at least `expiresInSecs` from
 * when it is handed out, and at most one window longer.
 */
const LINK_WINDOW_SECS = 300;
/** Links of the current window only (the previous window's are let go as it ends), and never more than this many. */
const MAX_KEPT_LINKS = 20_000;
let keptLinks: { windowStartSecs: number; urls: Map<string, Promise<string>> } = { windowStartSecs: 0, urls: new Map() };

/** A GET URL for one object, valid at least `expiresInSecs` from now (see LINK_WINDOW_SECS). */
export function presignGet(key: string, expiresInSecs: number): Promise<string> {
  const windowStartSecs = Math.floor(nowMs() / 1000 / LINK_WINDOW_SECS) * LINK_WINDOW_SECS;
  if (keptLinks.windowStartSecs !== windowStartSecs || keptLinks.urls.size >= MAX_KEPT_LINKS) keptLinks = { windowStartSecs, urls: new Map() };
  const kept = keptLinks.urls;
  const name = `${expiresInSecs} ${key}`;
  // The signing kept, not only its URL: the same link asked for twice at once is signed once.
  let url = kept.get(name);
  if (url === undefined) {
    url = signGet(key, windowStartSecs, expiresInSecs + LINK_WINDOW_SECS);
    kept.set(name, url);
    url.catch(() => kept.delete(name));
  }
  return url;
}

async function signGet(key: string, signedAtSecs: number, expiresInSecs: number): Promise<string> {
  const { presigner, origin, basePath } = await signerForGets();
  const port = origin.port ? Number(origin.port) : undefined;
  const signed = await presigner.presign(
    {
      method: 'GET',
      protocol: origin.protocol,
      hostname: origin.hostname,
      ...(port === undefined ? {} : { port }),
      path: `${basePath}${encodeKey(key)}`,
      query: {},
      headers: { host: origin.host },
    },
    { expiresIn: expiresInSecs, signingDate: new Date(signedAtSecs * 1000) },
  );
  const query = Object.entries(signed.query ?? {})
    .flatMap(([name, value]) => (typeof value === 'string' ? [`${encodeURIComponent(name)}=${encodeURIComponent(value)}`] : []))
    .join('&');
  return `${origin.protocol}//${origin.host}${signed.path}?${query}`;
}

export async function putObject(key: string, body: Uint8Array, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: mediaBucket, Key: key, Body: body, ContentType: contentType }));
}

const DELETE_CONCURRENCY = 16;

/**
 * Deletes every object under a prefix; safe to repeat. One DeleteObject per key (a video has a
 * source and its thumbnails): the batch DeleteObjects call is not signed alike by every S3 stand-in.
 */
export async function deletePrefix(prefix: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: mediaBucket, Prefix: prefix, MaxKeys: 1000 }));
    const objectKeys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
    if (objectKeys.length === 0) return deleted;
    for (let start = 0; start < objectKeys.length; start += DELETE_CONCURRENCY) {
      await Promise.all(objectKeys.slice(start, start + DELETE_CONCURRENCY).map((Key) => s3.send(new DeleteObjectCommand({ Bucket: mediaBucket, Key }))));
    }
    deleted += objectKeys.length;
  }
}

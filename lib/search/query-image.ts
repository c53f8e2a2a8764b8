import sharp from 'sharp';
import { AppError } from '#lib/errors';
import { guardedGet, UrlRefusedError } from '#lib/net/url-guard';
import { MAX_QUERY_IMAGE_BYTES } from '#lib/search/schemas';

/**
 * The example image of a search, from the request or from `image_url`: JPEG, PNG or WebP by its
 * own bytes, at most 4 MB, at least 64×64 px (api.md). Checked in the order of errors.md: size
 * (413) and type (415) are media limits; a too-small picture or an unusable URL is a 422.
 */
const MIN_SIDE_PX = 64;
/**
 * 4096 × 4096: a search picture is shrunk to the embedder's 224 px anyway, and a small file can
 * declare a huge canvas (a 4 MB PNG of one colour can say 30 000 × 30 000) that decoding would
 * have to hold in memory. Read from the header, before anything is decoded.
 */
export const MAX_QUERY_IMAGE_PIXELS = 4096 * 4096;
const FETCH_TIMEOUT_MS = 5000;
/** The whole download, however the server paces it: well inside the search route's timeout. */
const FETCH_DEADLINE_MS = 8000;

type ImageKind = 'jpeg' | 'png' | 'webp';

function kindOf(bytes: Buffer): ImageKind | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  return undefined;
}

export async function checkedQueryImage(bytes: Buffer, field: 'image' | 'image_url', truncated = false): Promise<Buffer> {
  if (truncated || bytes.length > MAX_QUERY_IMAGE_BYTES) {
    throw new AppError('UPLOAD_TOO_LARGE', `The search image is larger than ${MAX_QUERY_IMAGE_BYTES / 1024 / 1024} MB; send a smaller JPEG, PNG or WebP`);
  }
  if (!kindOf(bytes)) throw new AppError('UNSUPPORTED_FORMAT', 'The search image must be a JPEG, PNG or WebP picture');
  let width = 0;
  let height = 0;
  try {
    // metadata() reads the header only; the pixel cap below is checked before any decode.
    ({ width, height } = await sharp(bytes, { limitInputPixels: false }).metadata());
  } catch {
    throw new AppError('UNSUPPORTED_FORMAT', 'The search image could not be decoded; it may be damaged');
  }
  if (width * height > MAX_QUERY_IMAGE_PIXELS) {
    throw new AppError(
      'UPLOAD_TOO_LARGE',
      `The search image is ${width}×${height} px, over the ${MAX_QUERY_IMAGE_PIXELS.toLocaleString('en')}-pixel maximum (4096×4096); send a smaller picture`,
      { limit: MAX_QUERY_IMAGE_PIXELS },
    );
  }
  if (width < MIN_SIDE_PX || height < MIN_SIDE_PX) {
    throw new AppError('VALIDATION_ERROR', `The search image is ${width}×${height} px; it must be at least ${MIN_SIDE_PX}×${MIN_SIDE_PX}`, {
      fields: [{ path: field, message: `at least ${MIN_SIDE_PX}×${MIN_SIDE_PX} px` }],
    });
  }
  return bytes;
}

function unusableUrl(reason: string): AppError {
  return new AppError('VALIDATION_ERROR', `image_url cannot be used: ${reason}`, { fields: [{ path: 'image_url', message: reason }] });
}

/** Fetches `image_url` through the shared guard (public hosts only, also after redirects). */
export async function fetchQueryImage(url: string): Promise<Buffer> {
  let response;
  try {
    response = await guardedGet(url, { timeoutMs: FETCH_TIMEOUT_MS, deadlineMs: FETCH_DEADLINE_MS });
  } catch (error) {
    if (error instanceof UrlRefusedError) throw unusableUrl(error.message);
    throw unusableUrl('the host could not be reached');
  }
  if (response.status < 200 || response.status >= 300) {
    response.body.resume();
    throw unusableUrl(`the server answered HTTP ${response.status}`);
  }
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const part of response.body as AsyncIterable<Buffer>) {
      size += part.length;
      if (size > MAX_QUERY_IMAGE_BYTES) {
        response.body.destroy();
        return await checkedQueryImage(Buffer.concat(parts), 'image_url', true);
      }
      parts.push(part);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof UrlRefusedError) throw unusableUrl(error.message);
    throw unusableUrl('the download broke off');
  }
  return checkedQueryImage(Buffer.concat(parts), 'image_url');
}

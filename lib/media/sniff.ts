import { AppError } from '#lib/errors';
import { formatOfExtension, SUPPORTED_FORMATS_TEXT, type Container } from '#lib/media/formats';

/** Bytes to read from the start of a file to recognise its container. */
export const SNIFF_BYTES = 4096;

/**
 * Recognises a container by its own first bytes (magic numbers), whatever the file claims.
 * Families only: MP4 and MOV share the ISO base media layout, WebM and MKV share EBML;
 * the probe tells them apart.
 */
export type ContainerFamily = 'isobmff' | 'ebml' | 'avi' | 'mpeg' | 'unknown';

const ISOBMFF_BOXES = new Set(['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

export function sniffContainer(head: Uint8Array): ContainerFamily {
  const ascii = (start: number, end: number) => Buffer.from(head.subarray(start, end)).toString('latin1');
  if (head.length >= 8 && ISOBMFF_BOXES.has(ascii(4, 8))) return 'isobmff';
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'ebml';
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') return 'avi';
  if (head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] === 1 && (head[3] === 0xba || head[3] === 0xb3)) return 'mpeg';
  // MPEG transport stream: a sync byte every 188 bytes.
  if (head.length >= 377 && head[0] === 0x47 && head[188] === 0x47 && head[376] === 0x47) return 'mpeg';
  return 'unknown';
}

export function familyOf(container: Container): ContainerFamily {
  switch (container) {
    case 'mp4':
    case 'mov':
      return 'isobmff';
    case 'webm':
    case 'mkv':
      return 'ebml';
    case 'avi':
      return 'avi';
    case 'mpeg':
      return 'mpeg';
  }
}

/** Content types that say nothing about the file: what curl -F and most form libraries send by default. */
const GENERIC_CONTENT_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/binary', 'application/x-binary']);

export function isGenericContentType(contentType: string): boolean {
  return GENERIC_CONTENT_TYPES.has(contentType.split(';')[0]?.trim().toLowerCase() ?? '');
}

/**
 * The content type of a file whose bytes are in hand (the multipart route). A specific type is kept as
 * declared (checked against the extension, and the bytes again at ingest). A generic one is decided as
 * ingest would: from the extension, confirmed by the file's own first bytes; only a real mismatch is refused.
 */
export function contentTypeOfFile(file: { filename: string; contentType: string; head: Uint8Array }): string {
  if (!isGenericContentType(file.contentType)) return file.contentType;
  const format = formatOfExtension(file.filename);
  if (!format) throw new AppError('UNSUPPORTED_FORMAT', `"${file.filename}" does not have a video extension; upload ${SUPPORTED_FORMATS_TEXT}`);
  const family = sniffContainer(file.head);
  if (family !== familyOf(format.container)) {
    throw new AppError(
      'UNSUPPORTED_FORMAT',
      `"${file.filename}" is named .${format.extensions[0]} but its bytes are not ${format.container.toUpperCase()}; upload ${SUPPORTED_FORMATS_TEXT}`,
    );
  }
  return format.contentType;
}

import { AppError } from '#lib/errors';

/** The video formats Frameseek takes (api.md Uploads): extension ↔ content type, both must agree. */
export const VIDEO_FORMATS = [
  { container: 'mp4', extensions: ['mp4'], contentType: 'video/mp4' },
  { container: 'mov', extensions: ['mov'], contentType: 'video/quicktime' },
  { container: 'avi', extensions: ['avi'], contentType: 'video/x-msvideo' },
  { container: 'webm', extensions: ['webm'], contentType: 'video/webm' },
  { container: 'mpeg', extensions: ['mpeg', 'mpg'], contentType: 'video/mpeg' },
  { container: 'mkv', extensions: ['mkv'], contentType: 'video/x-matroska' },
] as const;

export type VideoFormat = (typeof VIDEO_FORMATS)[number];
export type Container = VideoFormat['container'];

/** The per-file maximum, 5 × 1024³ bytes (errors.md UPLOAD_TOO_LARGE). */
export const MAX_VIDEO_BYTES = 5 * 1024 ** 3;

export const SUPPORTED_FORMATS_TEXT = 'MP4, MOV, AVI, WebM, MPEG or MKV';

function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot < 0 ? '' : filename.slice(dot + 1).toLowerCase();
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

/**
 * Step 8 of "Which error wins" for a declared file: size first (413), then type and extension,
 * which must name one supported format (415). Returns that format.
 */
export function checkDeclaredVideo(declared: { filename: string; sizeBytes: number; contentType: string }, maxBytes = MAX_VIDEO_BYTES): VideoFormat {
  if (declared.sizeBytes > maxBytes) {
    throw new AppError(
      'UPLOAD_TOO_LARGE',
      `Video exceeds the ${formatBytes(maxBytes)} maximum (${formatBytes(declared.sizeBytes)} declared); split it or contact support`,
      { limit: maxBytes },
    );
  }
  const extension = extensionOf(declared.filename);
  const contentType = declared.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const byType = VIDEO_FORMATS.find((format) => format.contentType === contentType);
  const byExtension = formatOfExtension(declared.filename);
  if (!byType) throw new AppError('UNSUPPORTED_FORMAT', `Content type "${contentType}" is not supported; upload ${SUPPORTED_FORMATS_TEXT}`);
  if (!byExtension) throw new AppError('UNSUPPORTED_FORMAT', `Extension ".${extension}" is not supported; upload ${SUPPORTED_FORMATS_TEXT}`);
  if (byType !== byExtension) {
    throw new AppError('UNSUPPORTED_FORMAT', `The extension ".${extension}" does not match the content type "${contentType}"`);
  }
  return byType;
}

/** The supported format a filename's extension names, if any. */
export function formatOfExtension(filename: string): VideoFormat | undefined {
  const extension = extensionOf(filename);
  return VIDEO_FORMATS.find((format) => (format.extensions as readonly string[]).includes(extension));
}

export function formatOfContainer(container: Container): VideoFormat {
  const format = VIDEO_FORMATS.find((candidate) => candidate.container === container);
  if (!format) throw new Error(`unknown container ${container}`);
  return format;
}

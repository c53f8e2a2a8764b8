import { extname } from 'node:path';

/**
 * The formats POST /v1/uploads accepts (contract, Uploads). Known here as well so a file the API
 * would refuse fails before any request, and no upload session is opened for it.
 */
const CONTENT_TYPES = new Map<string, string>([
  ['.mp4', 'video/mp4'],
  ['.mov', 'video/quicktime'],
  ['.avi', 'video/x-msvideo'],
  ['.webm', 'video/webm'],
  ['.mpeg', 'video/mpeg'],
  ['.mpg', 'video/mpeg'],
  ['.mkv', 'video/x-matroska'],
]);

export const SUPPORTED_EXTENSIONS: readonly string[] = [...CONTENT_TYPES.keys()];

export function contentTypeFor(path: string): string | undefined {
  return CONTENT_TYPES.get(extname(path).toLowerCase());
}

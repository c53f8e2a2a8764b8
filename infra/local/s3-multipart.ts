import { createRequire } from 'node:module';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * s3rver implements multipart upload, part upload and complete, but not ListParts or
 * AbortMultipartUpload, which resumable uploads need and real S3 has. This adds both to the
 * stand-in, placed behind s3rver's own signature check so they are authenticated like the rest.
 */
const require = createRequire(import.meta.url);

interface KoaContext {
  method: string;
  query: Record<string, string | undefined>;
  params: { bucket: string; key: string };
  store: { getResourcePath(bucket: string, key: string | undefined, resource: string): string };
  status: number;
  body: unknown;
}
type Next = () => Promise<unknown>;
interface RouterLayer {
  path: string;
  methods: string[];
}
interface Router {
  stack: RouterLayer[];
  get(path: string, handler: (ctx: KoaContext, next: Next) => Promise<unknown>): Router;
  delete(path: string, handler: (ctx: KoaContext, next: Next) => Promise<unknown>): Router;
}
type S3ErrorClass = new (code: string, message: string, detail?: Record<string, string>) => Error;

const router = require('@20minutes/s3rver/lib/routes.js') as Router;
const S3Error = require('@20minutes/s3rver/lib/models/error.js') as S3ErrorClass;
const OBJECT_PATH = '/:bucket/:key+';

let installed = false;

export function installMultipartExtras(): void {
  if (installed) return;
  installed = true;

  async function uploadDirectory(ctx: KoaContext): Promise<string> {
    const uploadId = ctx.query.uploadId ?? '';
    const directory = join(ctx.store.getResourcePath(ctx.params.bucket, undefined, 'uploads'), uploadId);
    const found = await stat(directory).catch(() => undefined);
    if (!found?.isDirectory() || !/^[A-Za-z0-9._-]+$/.test(uploadId)) {
      throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
    }
    return directory;
  }

  router.get(OBJECT_PATH, async (ctx, next) => {
    if (!('uploadId' in ctx.query)) return next();
    const directory = await uploadDirectory(ctx);
    const entries = await readdir(directory);
    // s3rver writes a part's .md5 only once the part is whole: a part cut off mid-transfer has none
    // and, as in real S3, is not listed.
    const names = entries.filter((name) => /^\d+$/.test(name) && entries.includes(`${name}.md5`)).sort((a, b) => Number(a) - Number(b));
    const parts = await Promise.all(
      names.map(async (name) => ({
        PartNumber: Number(name),
        ETag: JSON.stringify((await readFile(join(directory, `${name}.md5`), 'utf8')).trim()),
        Size: (await stat(join(directory, name))).size,
      })),
    );
    ctx.body = { ListPartsResult: { Bucket: ctx.params.bucket, Key: ctx.params.key, UploadId: ctx.query.uploadId, IsTruncated: false, Part: parts } };
    return undefined;
  });
  router.delete(OBJECT_PATH, async (ctx, next) => {
    if (!('uploadId' in ctx.query)) return next();
    await rm(await uploadDirectory(ctx), { recursive: true, force: true });
    ctx.status = 204;
    return undefined;
  });

  // Move the two new layers in front of s3rver's own object routes (which refuse these methods).
  const added = router.stack.splice(router.stack.length - 2, 2);
  const firstObjectRoute = router.stack.findIndex((layer) => layer.path === OBJECT_PATH && layer.methods.length > 0);
  router.stack.splice(firstObjectRoute, 0, ...added);
}

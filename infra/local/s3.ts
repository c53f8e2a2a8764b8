import { mkdirSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import S3rver from '@20minutes/s3rver';
import { installMultipartExtras } from '#infra/local/s3-multipart';

/**
 * An S3-compatible server on disk (@20minutes/s3rver, a maintained fork): presigned URLs with
 * their signatures and signed Content-Length enforced, multipart, object-created events.
 * The original s3rver 3.7 accepts tampered signatures, so it is not used.
 */
export interface RunningS3 {
  endpoint: string;
  server: S3rver;
  stop(): Promise<void>;
}

/** As the media bucket in AWS (infra/aws/constructs/media.ts): a browser (the console) PUTs to presigned URLs and reads part ETags. */
const CORS_CONFIG = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

export async function startS3Local(options: { port: number; directory: string; bucket: string }): Promise<RunningS3> {
  mkdirSync(options.directory, { recursive: true });
  installMultipartExtras();
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    directory: options.directory,
    silent: true,
    allowMismatchedSignatures: false,
    configureBuckets: [{ name: options.bucket, configs: [CORS_CONFIG] }],
  });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    server,
    stop: async () => {
      await server.close();
    },
  };
}

/**
 * The SDK addresses bucket-level requests (ListObjectsV2) as `/bucket/`, which s3rver signs as
 * `/bucket`, so their signatures never match. Real S3 takes both forms; the local runtime removes
 * that trailing slash from the shared client's requests before they are signed.
 */
export function adaptClientToStandIn(client: S3Client, bucket: string): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: unknown };
      if (request.path === `/${bucket}/`) request.path = `/${bucket}`;
      return next(args);
    },
    { step: 'build', name: 'frameseekS3rverBucketPath' },
  );
}

import { mkdirSync } from 'node:fs';
import S3rver from '@20minutes/s3rver';

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

export async function startS3Local(options: { port: number; directory: string; bucket: string }): Promise<RunningS3> {
  mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    directory: options.directory,
    silent: true,
    allowMismatchedSignatures: false,
    configureBuckets: [{ name: options.bucket, configs: [] }],
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

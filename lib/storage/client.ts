import { S3Client } from '@aws-sdk/client-s3';
import { config } from '#lib/config';

/** Created once per cold start. Locally the S3-compatible stand-in wants path-style URLs. */
export const s3 = new S3Client({
  region: config.AWS_REGION,
  // Until the answer starts: generous for a part or a server-side copy, finite for a wedged connection.
  requestHandler: { connectionTimeout: 2000, requestTimeout: 60_000, throwOnRequestTimeout: true },
  ...(config.FRAMESEEK_S3_ENDPOINT ? { endpoint: config.FRAMESEEK_S3_ENDPOINT, forcePathStyle: true } : {}),
});

export const mediaBucket = config.FRAMESEEK_MEDIA_BUCKET;

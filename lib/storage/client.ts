import { S3Client } from '@aws-sdk/client-s3';
import { config } from '#lib/config';

/** Created once per cold start. Locally the S3-compatible stand-in wants path-style URLs. */
export const s3 = new S3Client({
  region: config.AWS_REGION,
  ...(config.FRAMESEEK_S3_ENDPOINT ? { endpoint: config.FRAMESEEK_S3_ENDPOINT, forcePathStyle: true } : {}),
});

export const mediaBucket = config.FRAMESEEK_MEDIA_BUCKET;

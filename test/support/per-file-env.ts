import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#infra/local/credentials';

/**
 * Runs before each test file's imports: points config at the shared stand-ins and a table of
 * this file's own, so files never see each other's data.
 */
Object.assign(process.env, {
  FRAMESEEK_STAGE: 'test',
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  FRAMESEEK_DYNAMODB_ENDPOINT: inject('dynamoDbEndpoint'),
  FRAMESEEK_S3_ENDPOINT: inject('s3Endpoint'),
  FRAMESEEK_MEDIA_BUCKET: inject('s3Bucket'),
  FRAMESEEK_TABLE_NAME: `frameseek-test-${randomBytes(4).toString('hex')}`,
  AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#infra/local/dynamodb';
import { startS3Local } from '#infra/local/s3';
import { freePort } from '#infra/local/runtime';

/** The stand-ins, started once for the whole run; each test file gets its own table. */
export const TEST_BUCKET = 'frameseek-test-media';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
    s3Endpoint: string;
    s3Bucket: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'frameseek-test-'));
  const [dynamo, s3] = await Promise.all([
    freePort().then((port) => startDynamoDbLocal({ port })),
    freePort().then((port) => startS3Local({ port, directory: join(dataDir, 's3'), bucket: TEST_BUCKET })),
  ]);
  project.provide('dynamoDbEndpoint', dynamo.endpoint);
  project.provide('s3Endpoint', s3.endpoint);
  project.provide('s3Bucket', TEST_BUCKET);
  return async () => {
    await Promise.all([dynamo.stop(), s3.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  };
}

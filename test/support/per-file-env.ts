import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, inject } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#infra/local/credentials';
import { freePort } from '#infra/local/runtime';
import { RATE_LIMIT_GROUPS } from '#lib/plan-names';

export const RAISED_RATE_LIMITS = {
  rate_limits: {
    per_minute: Object.fromEntries(RATE_LIMIT_GROUPS.map((group) => [group, 100_000])),
    auth_per_email: 100_000,
    auth_per_ip: 100_000,
    trial_credits_per_ip_per_day: 100_000,
  },
};

/**
 * Runs before each test file's imports: points config at the shared DynamoDB Local with a table of
 * this file's own, and at this file's own S3 stand-in (started by the runtime on the port chosen here),
 * so files never see each other's data. Small upload sizes keep multipart tests fast.
 */
const sharedTmp = tmpdir();
const dataDir = mkdtempSync(join(sharedTmp, 'frameseek-file-'));
// Registered before the file's own hooks, so it runs after them (vitest runs after-hooks in reverse): the runtime has stopped.
afterAll(() => rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 }));
// Everything else this file, its libraries (CDK's cdk.out, LanceDB's spills, native engines' logs) and its child
// processes put in the temp dir lands in this file's folder and goes with it; generated test media, kept on purpose
// across files and runs, stay in the shared temp dir (test/support/media.ts, engine-media.ts, talking-media.ts).
process.env.FRAMESEEK_TEST_SHARED_TMP = sharedTmp;
process.env.TMPDIR = dataDir;

Object.assign(process.env, {
  FRAMESEEK_STAGE: 'test',
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  FRAMESEEK_DYNAMODB_ENDPOINT: inject('dynamoDbEndpoint'),
  FRAMESEEK_S3_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
  FRAMESEEK_MEDIA_BUCKET: 'frameseek-test-media',
  FRAMESEEK_TABLE_NAME: `frameseek-test-${randomBytes(4).toString('hex')}`,
  FRAMESEEK_TEST_DATA_DIR: dataDir,
  // Set here, not left to the default (./.frameseek/index): a file that reads config without starting the runtime wrote into the clone.
  FRAMESEEK_INDEX_URI: join(dataDir, 'index'),
  // Likewise the key that seals webhook secrets (the runtime would default to the same place, but a file that reads config first must agree).
  FRAMESEEK_WEBHOOK_KEY_FILE: join(dataDir, 'webhook-secrets.key'),
  FRAMESEEK_SINGLE_PUT_MAX_BYTES: String(1024 * 1024),
  FRAMESEEK_MULTIPART_PART_BYTES: String(256 * 1024),
  // Password hashes at 2^12 rather than production's 2^17 (lib/auth/secrets.ts): sign-ups stay fast. Refused in prod.
  FRAMESEEK_SCRYPT_LOG2_N: '12',
  // Test files make many requests (and sign-ups) from one address; the rate-limit tests restore the defaults.
  FRAMESEEK_PLAN_OVERRIDES: JSON.stringify(RAISED_RATE_LIMITS),
});

import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import * as z from 'zod';
import { startLocalRuntime } from '#infra/local/runtime';
import { DEFAULT_DATA_DIR, removeListenFile, writeListenFile } from '#infra/local/listen-file';

/** `npm start`: the whole product on this machine, data kept under FRAMESEEK_DATA_DIR. */
const env = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8787),
    HOST: z.string().default('127.0.0.1'),
    FRAMESEEK_DATA_DIR: z.string().default(DEFAULT_DATA_DIR),
    FRAMESEEK_TABLE_NAME: z.string().default('frameseek'),
    FRAMESEEK_MEDIA_BUCKET: z.string().default('frameseek-media'),
  })
  .parse(process.env);

const dataDir = resolve(env.FRAMESEEK_DATA_DIR);
const firstRun = !existsSync(resolve(dataDir, 'dynamodb'));

const starting = startLocalRuntime({
  host: env.HOST,
  port: env.PORT,
  dataDir,
  tableName: env.FRAMESEEK_TABLE_NAME,
  bucket: env.FRAMESEEK_MEDIA_BUCKET,
});

// Listened for from the start: a Ctrl-C during start-up or the engine checks below would otherwise
// end this process alone and leave DynamoDB Local's JVM running on the data directory.
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: shutting down`);
  const started = await starting.catch(() => undefined);
  removeListenFile(dataDir, process.pid);
  await started?.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

/** A taken port is the one start-up failure a user meets often: one line, not a stack trace. */
function portTaken(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

const runtime = await starting.catch((error: unknown) => {
  if (!portTaken(error)) throw error;
  console.error(`Port ${env.PORT} on ${env.HOST} is already in use (another npm start?). Choose another: PORT=8788 npm start`);
  process.exit(1);
});
writeListenFile(dataDir, {
  api_url: runtime.url,
  dynamodb_endpoint: runtime.dynamoDbEndpoint,
  s3_endpoint: runtime.s3Endpoint,
  table_name: env.FRAMESEEK_TABLE_NAME,
  bucket: env.FRAMESEEK_MEDIA_BUCKET,
  pid: process.pid,
});

console.log(`Frameseek listening on ${runtime.url}`);
console.log(`  data: ${dataDir} (DynamoDB Local ${runtime.dynamoDbMode} at ${runtime.dynamoDbEndpoint}, S3 at ${runtime.s3Endpoint})`);
console.log(`  written to ${dataDir}/listening.json, where bin/frameseek finds it`);
if (firstRun) {
  console.log(`
First run. Sign up, then create an API key:
  curl -s -X POST ${runtime.url}/v1/auth/signup -H 'Content-Type: application/json' \\
    -d '{"email":"you@example.com","password":"correct horse battery"}'
  curl -s -X POST ${runtime.url}/v1/api_keys -H "Authorization: Bearer <session token from above>" \\
    -H 'Content-Type: application/json' -d '{"name":"laptop","permissions":"all"}'
API reference: ${runtime.url}/v1/openapi.json`);
}

// Loaded only now: config is parsed when lib/ first loads, after the runtime has set the stand-ins' addresses.
const { missingMediaTools } = await import('#lib/media/probe');
const missingTools = await missingMediaTools();
if (missingTools.length > 0) {
  console.warn(`\nMissing media tools: ${missingTools.join(', ')}. Uploads cannot be checked or indexed without them.
Install them with bin/setup (Debian package ffmpeg), or point FRAMESEEK_FFPROBE / FRAMESEEK_FFMPEG at them.`);
}

const { engineProblems } = await import('#lib/ml/engines');
for (const problem of await engineProblems()) console.warn(`\nIndexing engine missing: ${problem}`);

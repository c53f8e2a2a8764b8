import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { routes, fallbackRoute, backgroundFunctions } from '#functions/routes';
import type { S3Event, SQSEvent } from 'aws-lambda';
import { availableParallelism } from 'node:os';
import { createApiServer } from '#infra/local/http-adapter';
import { consoleFiles } from '#infra/local/console';
import { close, listen } from '#infra/local/http-server';
import { ensureTable, startDynamoDbLocal, type RunningDynamoDb } from '#infra/local/dynamodb';
import { adaptClientToStandIn, startS3Local, type RunningS3 } from '#infra/local/s3';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#infra/local/credentials';
import { startScheduler, type LocalScheduler } from '#infra/local/scheduler';
import { deadLetter, localHost, localIndexQueue, sqsEventOf, withAsyncRetries, type LoadHandler } from '#infra/local/host';
import { configure } from '#lib/config';
import { registerHost } from '#lib/hosts/host';
import { INDEX_MAX_ATTEMPTS } from '#lib/indexing/queue';
import { keptPort } from '#infra/local/ports';

/**
 * The whole product on one machine: DynamoDB Local and an S3-compatible server as stand-ins that
 * speak the real protocols, the route table served as API Gateway events into the same handlers.
 * `npm start` runs it with data on disk; integration tests run it on a random port.
 */
export const PROJECT_ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

export interface LocalRuntimeOptions {
  host: string;
  port: number;
  dataDir: string;
  tableName: string;
  bucket: string;
  /** Keep DynamoDB Local's data in memory instead of under dataDir (benchmarks compare both). */
  inMemoryDynamoDb?: boolean;
  /** Reuse a DynamoDB Local that is already running (the test suite starts one for all files). */
  dynamoDbEndpoint?: string;
  /** Port of the S3 stand-in (unset: any free port). It always runs in this process, so its events reach ingest. */
  s3Port?: number;
  /** Index chunks handled at once (default: one per CPU core). */
  indexConcurrency?: number;
  /** Wait before a failed chunk is delivered again (default 2 s, growing per attempt). */
  indexRetryDelayMs?: number;
  /** Wait before an asynchronous event (ingest, URL fetch) is tried again (default 500 ms, growing per attempt). */
  eventRetryDelayMs?: number;
  /** Extra settings for the handlers (FRAMESEEK_* variables), applied before any handler loads. */
  settings?: Record<string, string>;
}

export interface LocalRuntime {
  url: string;
  dynamoDbEndpoint: string;
  dynamoDbMode: RunningDynamoDb['mode'] | 'external';
  s3Endpoint: string;
  scheduler: LocalScheduler;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    let dynamo: RunningDynamoDb | undefined;
    if (!options.dynamoDbEndpoint) {
      const directory = options.inMemoryDynamoDb ? undefined : resolve(options.dataDir, 'dynamodb');
      // On disk its port is kept across restarts like the S3 stand-in's (infra/local/ports.ts); in memory nothing outlives the run.
      const port = directory ? await keptPort(options.dataDir, 'dynamodb') : await freePort();
      dynamo = await startDynamoDbLocal({ port, ...(directory ? { directory } : {}) });
      started.push(dynamo);
    }
    const s3 = await startS3Local({
      port: options.s3Port ?? (await keptPort(options.dataDir, 's3')),
      directory: resolve(options.dataDir, 's3'),
      bucket: options.bucket,
    });
    started.push(s3);
    const dynamoDbEndpoint = options.dynamoDbEndpoint ?? dynamo?.endpoint ?? '';
    const s3Endpoint = s3.endpoint;

    // The AWS SDK's own inputs (the stand-ins accept any signature made with these); Frameseek's
    // settings go to configure(), read once when the first handler loads.
    process.env.AWS_REGION ??= LOCAL_REGION;
    process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
    configure({
      AWS_REGION: process.env.AWS_REGION,
      FRAMESEEK_DYNAMODB_ENDPOINT: dynamoDbEndpoint,
      FRAMESEEK_S3_ENDPOINT: s3Endpoint,
      FRAMESEEK_TABLE_NAME: options.tableName,
      FRAMESEEK_MEDIA_BUCKET: options.bucket,
      FRAMESEEK_INDEX_URI: process.env.FRAMESEEK_INDEX_URI ?? resolve(options.dataDir, 'index'),
      // The key that seals webhook signing secrets: made on first use, kept with the data it protects.
      FRAMESEEK_WEBHOOK_KEY_FILE: process.env.FRAMESEEK_WEBHOOK_KEY_FILE ?? resolve(options.dataDir, 'webhook-secrets.key'),
      ...options.settings,
    });
    await ensureTable(dynamoDbEndpoint, options.tableName);
    // The shared S3 client of every handler in this process (loaded now, after the settings above).
    const { s3: sharedS3Client } = await import('#lib/storage/client');
    adaptClientToStandIn(sharedS3Client, options.bucket);

    const load = (entry: string) => import(pathToFileURL(resolve(PROJECT_ROOT, entry)).href);
    deliverStorageEvents(s3, () => load(backgroundFunctions.ingest.entry), load, options.eventRetryDelayMs ?? 500);
    registerHost(localHost(load, options.eventRetryDelayMs ?? 500));
    const indexQueue = await consumeIndexQueue(options, () => load(backgroundFunctions.indexChunk.entry), load);
    started.push({ stop: () => indexQueue.stop() });
    const { now } = await import('#lib/clock');
    const scheduler = startScheduler({
      now,
      runDaily: async () => ((await load(backgroundFunctions.dailyMaintenance.entry)) as { handler: () => Promise<unknown> }).handler(),
      // As in AWS, where an hourly rule puts this message on the queue: the index worker does the upkeep.
      runHourly: () => indexQueue.send([{ kind: 'maintain' }]),
      runEveryMinute: async () => ((await load(backgroundFunctions.webhookSweep.entry)) as { handler: () => Promise<unknown> }).handler(),
    });
    started.push({ stop: async () => scheduler.stop() });
    const server = createApiServer({ routes: Object.values(routes), fallback: fallbackRoute, load, serveStatic: consoleFiles() });
    const port = await listen(server, options.port, options.host);
    started.push({ stop: () => close(server) });

    return {
      url: `http://${options.host}:${port}`,
      dynamoDbEndpoint,
      dynamoDbMode: dynamo?.mode ?? 'external',
      s3Endpoint,
      scheduler,
      stop: () => stopAll(started),
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/**
 * The S3 stand-in's object-created notifications, handed to the same ingest handler the bucket
 * notification invokes in AWS, with Lambda's asynchronous retries; the last failure goes to the
 * dead-letter handler, as Lambda's on-failure destination would.
 */
function deliverStorageEvents(
  s3: RunningS3,
  loadIngest: () => Promise<{ handler: (event: S3Event) => Promise<void> }>,
  load: LoadHandler,
  retryDelayMs: number,
): void {
  s3.server.on('event', (event: S3Event) => {
    void (async () => {
      const { handler } = await loadIngest();
      await withAsyncRetries(
        'ingest',
        () => handler(event),
        () => deadLetter(load, event),
        retryDelayMs,
      );
    })();
  });
}

/** The in-process queue drives the same SQS handler AWS runs, one synthetic SQS record per delivery. */
async function consumeIndexQueue(options: LocalRuntimeOptions, loadWorker: () => Promise<{ handler: (event: SQSEvent) => Promise<void> }>, load: LoadHandler) {
  await localIndexQueue.consume(
    async (message, delivery) => {
      const { handler } = await loadWorker();
      await handler(sqsEventOf(message, delivery.attempt));
    },
    {
      directory: resolve(options.dataDir, 'queue'),
      concurrency: options.indexConcurrency ?? availableParallelism(),
      maxAttempts: INDEX_MAX_ATTEMPTS,
      retryDelayMs: options.indexRetryDelayMs ?? 2000,
      deadLetter: (message) => deadLetter(load, message),
    },
  );
  return localIndexQueue;
}

async function stopAll(started: Array<{ stop(): Promise<void> }>): Promise<void> {
  for (const part of [...started].reverse()) await part.stop().catch(() => undefined);
}

import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Server } from 'node:http';
import { routes, fallbackRoute } from '#functions/routes';
import { createApiServer } from '#infra/local/http-adapter';
import { ensureTable, startDynamoDbLocal, type RunningDynamoDb } from '#infra/local/dynamodb';
import { startS3Local, type RunningS3 } from '#infra/local/s3';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#infra/local/credentials';

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
  /** Reuse stand-ins that are already running (the test suite starts them once). */
  standIns?: { dynamoDbEndpoint: string; s3Endpoint: string };
  /** Extra settings for the handlers (FRAMESEEK_* variables), applied before any handler loads. */
  settings?: Record<string, string>;
}

export interface LocalRuntime {
  url: string;
  dynamoDbEndpoint: string;
  dynamoDbMode: RunningDynamoDb['mode'] | 'external';
  s3Endpoint: string;
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
    let s3: RunningS3 | undefined;
    if (!options.standIns) {
      const directory = options.inMemoryDynamoDb ? undefined : resolve(options.dataDir, 'dynamodb');
      dynamo = await startDynamoDbLocal({ port: await freePort(), ...(directory ? { directory } : {}) });
      started.push(dynamo);
      s3 = await startS3Local({ port: await freePort(), directory: resolve(options.dataDir, 's3'), bucket: options.bucket });
      started.push(s3);
    }
    const dynamoDbEndpoint = options.standIns?.dynamoDbEndpoint ?? dynamo?.endpoint ?? '';
    const s3Endpoint = options.standIns?.s3Endpoint ?? s3?.endpoint ?? '';

    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      FRAMESEEK_DYNAMODB_ENDPOINT: dynamoDbEndpoint,
      FRAMESEEK_S3_ENDPOINT: s3Endpoint,
      FRAMESEEK_TABLE_NAME: options.tableName,
      FRAMESEEK_MEDIA_BUCKET: options.bucket,
      ...options.settings,
    });
    await ensureTable(dynamoDbEndpoint, options.tableName);

    const server = createApiServer({
      routes: Object.values(routes),
      fallback: fallbackRoute,
      load: (entry) => import(pathToFileURL(resolve(PROJECT_ROOT, entry)).href),
    });
    await listen(server, options.port, options.host);
    started.push({ stop: () => close(server) });
    const { port } = server.address() as AddressInfo;

    return {
      url: `http://${options.host}:${port}`,
      dynamoDbEndpoint,
      dynamoDbMode: dynamo?.mode ?? 'external',
      s3Endpoint,
      stop: () => stopAll(started),
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

async function stopAll(started: Array<{ stop(): Promise<void> }>): Promise<void> {
  for (const part of [...started].reverse()) await part.stop().catch(() => undefined);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done());
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((done) => server.close(() => done()));
}

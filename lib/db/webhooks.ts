import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { countedUnderCap } from '#lib/db/accounts';
import { countInRange, gsi1PageBefore, prefixKeys, queryAll, queryPrefixNewestFirst, readNewestFirst, type ListRead } from '#lib/db/query';
import { TABLE_SCHEMA } from '#lib/db/table-schema';
import { retentionOf } from '#lib/db/events';
import { failedConditionIndexes, isConditionFailure, transactConditionally } from '#lib/db/conditions';
import { AppError } from '#lib/errors';
import { throwIfArmed } from '#lib/faults';

/** A signing secret sealed with AES-256-GCM (lib/webhooks/secret-box.ts); base64 fields. */
export interface SealedSecret {
  v: 1;
  iv: string;
  ciphertext: string;
  tag: string;
}

export interface WebhookEndpointRecord {
  webhook_id: string;
  account_id: string;
  url: string;
  /** `['*']` for every event, or the event names it receives. */
  events: string[];
  is_active: boolean;
  secret: SealedSecret;
  /** After a rotation, the secret that still signs (beside the new one) until it expires. */
  previous_secret: SealedSecret | null;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryAttempt {
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** Per-upload webhook_url deliveries have no endpoint of their own: they are filed under this id. */
export const UPLOAD_WEBHOOK_ID = 'upload';

export interface DeliveryRecord {
  delivery_id: string;
  account_id: string;
  webhook_id: string;
  event_id: string;
  event: string;
  /** Where it was addressed when made; an endpoint's attempts go to its URL of the moment (an upload's to this one). */
  url: string;
  /** The exact body sent on every attempt (a retry carries the same event id and bytes). */
  payload: string;
  status: DeliveryStatus;
  attempt_count: number;
  attempts: DeliveryAttempt[];
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  /** After this instant a failed attempt is the last one: the delivery is marked failed. */
  give_up_at: string;
  delivered_at: string | null;
  created_at: string;
  /** Set while an attempt that came due is held back because its endpoint is paused (next_attempt_at is then null). */
  held?: boolean;
}

/** Creates the endpoint and counts it under the plan's cap, atomically (WEBHOOK_LIMIT_REACHED past it). */
export async function insertWebhookEndpoint(record: WebhookEndpointRecord, cap: number): Promise<void> {
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          countedUnderCap(record.account_id, 'webhook_endpoints', cap),
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.webhookEndpoint(record.account_id, record.webhook_id), ...record },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (failedConditionIndexes(error)?.includes(0)) {
      throw new AppError('WEBHOOK_LIMIT_REACHED', `Your plan allows ${cap} webhook endpoint(s); delete one or upgrade`, { limit: cap, used: cap });
    }
    throw error;
  }
}

export async function getWebhookEndpoint(accountId: string, webhookId: string): Promise<WebhookEndpointRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.webhookEndpoint(accountId, webhookId), ConsistentRead: true }));
  return result.Item as WebhookEndpointRecord | undefined;
}

export function listWebhookEndpoints(accountId: string): Promise<WebhookEndpointRecord[]> {
  const { PK, SKPrefix } = keys.webhookEndpointsOf(accountId);
  return queryPrefixNewestFirst<WebhookEndpointRecord>(tableName, PK, SKPrefix);
}

/** A page of the account's webhook endpoints, newest first. */
export function readWebhookEndpointsPage(accountId: string, read: ListRead): Promise<{ items: WebhookEndpointRecord[]; next: string | undefined }> {
  return readNewestFirst<WebhookEndpointRecord & { SK: string }>(keys.webhookEndpointsOf(accountId), read);
}

/** Writes the endpoint's changed fields; false when it is gone meanwhile. */
export async function saveWebhookEndpoint(record: WebhookEndpointRecord): Promise<boolean> {
  try {
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.webhookEndpoint(record.account_id, record.webhook_id), ...record },
        ConditionExpression: 'attribute_exists(PK)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Removes the endpoint and frees its slot of the cap, once; false when it was already gone. */
export async function removeWebhookEndpoint(accountId: string, webhookId: string): Promise<boolean> {
  const failed = await transactConditionally([
    { Delete: { TableName: tableName, Key: keys.webhookEndpoint(accountId, webhookId), ConditionExpression: 'attribute_exists(PK)' } },
    {
      Update: {
        TableName: tableName,
        Key: keys.account(accountId),
        UpdateExpression: 'ADD webhook_endpoints :minusOne',
        ExpressionAttributeValues: { ':minusOne': -1 },
      },
    },
  ]);
  return failed.length === 0;
}

/**
 * A pending delivery is listed for the sweep under `sweepAfter`: its next attempt for one that waits,
 * or a little after now for one whose attempt is being queued at once (the sweep only takes over an
 * attempt whose message was lost, instead of racing it).
 */
function deliveryItem(record: DeliveryRecord, sweepAfter: string) {
  return {
    ...keys.webhookDelivery(record.account_id, record.webhook_id, record.delivery_id),
    ...(record.status === 'pending' ? keys.webhookDeliveryDueIndex(sweepAfter, record.delivery_id) : {}),
    ...record,
    ...retentionOf(record.created_at),
  };
}

/** A transaction holds 100 items; the event's own update is one of them. */
const FAN_OUT_TRANSACTION_ITEMS = 100;
const PUTS_AT_ONCE = 25;

/** Writes a delivery unless one with its id exists (a repeated fan-out); false when it did. */
async function putDeliveryOnce(record: DeliveryRecord, sweepAfter: string): Promise<boolean> {
  try {
    await insertDelivery(record, sweepAfter);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Turns an outbox event into its deliveries, once: the event leaves the pending index conditional on
 * it still being pending (a twin fan-out changes nothing). When they fit, in one transaction with the
 * deliveries; past a transaction's 100 items, the deliveries are written first, each only if absent
 * (their ids derive from the event and endpoint, so a fan-out repeated after a crash midway writes
 * none twice), and the event is marked last. False when a twin marked it first.
 */
export async function recordFanOut(accountId: string, eventId: string, deliveries: readonly DeliveryRecord[], sweepAfter: string): Promise<boolean> {
  const markFannedOut = {
    Update: {
      TableName: tableName,
      Key: keys.accountEvent(accountId, eventId),
      UpdateExpression: 'SET delivery = :done REMOVE GSI1PK, GSI1SK',
      ConditionExpression: 'delivery = :pending',
      ExpressionAttributeValues: { ':done': 'fanned_out', ':pending': 'pending' },
    },
  };
  if (deliveries.length < FAN_OUT_TRANSACTION_ITEMS) {
    const puts = deliveries.map((record) => ({
      Put: { TableName: tableName, Item: deliveryItem(record, sweepAfter), ConditionExpression: 'attribute_not_exists(PK)' },
    }));
    return (await transactConditionally([markFannedOut, ...puts])).length === 0;
  }
  for (let start = 0; start < deliveries.length; start += PUTS_AT_ONCE) {
    await Promise.all(deliveries.slice(start, start + PUTS_AT_ONCE).map((record) => putDeliveryOnce(record, sweepAfter)));
  }
  throwIfArmed('webhook_fan_out_interrupted');
  return (await transactConditionally([markFannedOut])).length === 0;
}

/** A delivery with no outbox row behind it (webhook.ping). */
export async function insertDelivery(record: DeliveryRecord, sweepAfter: string): Promise<void> {
  await db.send(new PutCommand({ TableName: tableName, Item: deliveryItem(record, sweepAfter), ConditionExpression: 'attribute_not_exists(PK)' }));
}

export async function getDelivery(accountId: string, webhookId: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.webhookDelivery(accountId, webhookId, deliveryId), ConsistentRead: true }));
  return result.Item as DeliveryRecord | undefined;
}

export function listDeliveries(accountId: string, webhookId: string): Promise<DeliveryRecord[]> {
  const { PK, SKPrefix } = keys.webhookDeliveriesOf(accountId, webhookId);
  return queryPrefixNewestFirst<DeliveryRecord>(tableName, PK, SKPrefix);
}

/** A page of an endpoint's delivery log, newest first. */
export function readDeliveriesPage(accountId: string, webhookId: string, read: ListRead): Promise<{ items: DeliveryRecord[]; next: string | undefined }> {
  return readNewestFirst<DeliveryRecord & { SK: string }>(keys.webhookDeliveriesOf(accountId, webhookId), read);
}

/**
 * How many deliveries the endpoint's log holds. Deliveries expire by TTL (DynamoDB removes them
 * without a write of ours), so no counter can follow them: their keys are counted.
 */
export function countDeliveries(accountId: string, webhookId: string): Promise<number> {
  return countInRange(keys.webhookDeliveriesOf(accountId, webhookId), undefined);
}

/** What one attempt decided: delivered, another attempt at `nextAttemptAt`, or failed for good. */
export type AttemptOutcome = { kind: 'delivered' } | { kind: 'retry'; nextAttemptAt: string } | { kind: 'failed' };

/** What each outcome changes beyond the attempt itself: its status, its next attempt and its place in the sweep's index. */
function outcomeChange(delivery: DeliveryRecord, attempt: DeliveryAttempt, outcome: AttemptOutcome) {
  switch (outcome.kind) {
    case 'delivered':
      return {
        set: '#status = :delivered, delivered_at = :at, next_attempt_at = :null',
        remove: ' REMOVE GSI1PK, GSI1SK',
        values: { ':delivered': 'delivered', ':at': attempt.at, ':null': null },
      };
    case 'failed':
      return { set: '#status = :failed, next_attempt_at = :null', remove: ' REMOVE GSI1PK, GSI1SK', values: { ':failed': 'failed', ':null': null } };
    case 'retry': {
      const due = keys.webhookDeliveryDueIndex(outcome.nextAttemptAt, delivery.delivery_id);
      return {
        set: 'next_attempt_at = :next, GSI1PK = :duePk, GSI1SK = :dueSk',
        remove: '',
        values: { ':next': outcome.nextAttemptAt, ':duePk': due.GSI1PK, ':dueSk': due.GSI1SK },
      };
    }
  }
}

/**
 * Records one attempt, conditional on no other attempt having been recorded since `delivery` was
 * read (two copies of one queue message never both count); false when one was.
 */
export async function recordAttempt(delivery: DeliveryRecord, attempt: DeliveryAttempt, outcome: AttemptOutcome): Promise<boolean> {
  const change = outcomeChange(delivery, attempt, outcome);
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.webhookDelivery(delivery.account_id, delivery.webhook_id, delivery.delivery_id),
        UpdateExpression: `SET ${change.set}, attempts = list_append(attempts, :attempt), attempt_count = attempt_count + :one, last_status_code = :code, last_error = :error${change.remove}`,
        ConditionExpression: 'attempt_count = :seen AND #status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':attempt': [attempt],
          ':seen': delivery.attempt_count,
          ':one': 1,
          ':code': attempt.status_code,
          ':error': attempt.error,
          ':pending': 'pending',
          ...change.values,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Holds a delivery whose attempt came due while its endpoint is paused: no attempt is recorded, it
 * leaves the sweep's index and waits (`held`, no next attempt) until the endpoint is active again.
 * Conditional like an attempt (no other recorded since `delivery` was read); false when one was.
 */
export async function holdDelivery(delivery: DeliveryRecord): Promise<boolean> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.webhookDelivery(delivery.account_id, delivery.webhook_id, delivery.delivery_id),
        UpdateExpression: 'SET held = :yes, next_attempt_at = :null REMOVE GSI1PK, GSI1SK',
        ConditionExpression: 'attempt_count = :seen AND #status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':yes': true, ':null': null, ':seen': delivery.attempt_count, ':pending': 'pending' },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The endpoint's deliveries held while it was paused. */
export function listHeldDeliveries(accountId: string, webhookId: string): Promise<DeliveryRecord[]> {
  const { PK, SKPrefix } = keys.webhookDeliveriesOf(accountId, webhookId);
  return queryAll<DeliveryRecord>({
    TableName: tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    FilterExpression: 'held = :yes AND #status = :pending',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pk': PK, ':prefix': SKPrefix, ':yes': true, ':pending': 'pending' },
  });
}

/**
 * A manual retry, or a held delivery released when its endpoint is active again: pending again, due
 * now (queued at once; the sweep takes over after `sweepAfter`), with a fresh 24 h of retries and a
 * fresh retention.
 */
export async function requeueDelivery(delivery: DeliveryRecord, at: string, giveUpAt: string, sweepAfter: string): Promise<void> {
  const due = keys.webhookDeliveryDueIndex(sweepAfter, delivery.delivery_id);
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.webhookDelivery(delivery.account_id, delivery.webhook_id, delivery.delivery_id),
      UpdateExpression:
        'SET #status = :pending, next_attempt_at = :at, give_up_at = :giveUp, GSI1PK = :duePk, GSI1SK = :dueSk, #expires = :expires REMOVE held',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: { '#status': 'status', '#expires': TABLE_SCHEMA.ttlAttribute },
      ExpressionAttributeValues: {
        ':pending': 'pending',
        ':at': at,
        ':giveUp': giveUpAt,
        ':duePk': due.GSI1PK,
        ':dueSk': due.GSI1SK,
        ':expires': retentionOf(at)[TABLE_SCHEMA.ttlAttribute],
      },
    }),
  );
}

export type DueDelivery = Pick<DeliveryRecord, 'account_id' | 'webhook_id' | 'delivery_id'>;

/** Deliveries whose next attempt is due at `isoTime`, oldest first within each shard (eventually consistent: the sender re-reads each). */
export async function listDueDeliveries(isoTime: string, limitPerShard: number): Promise<DueDelivery[]> {
  const pages = await Promise.all(
    keys.webhookDeliveriesDueBefore(isoTime).map((range) => gsi1PageBefore<DueDelivery>(range, 'account_id, webhook_id, delivery_id', limitPerShard)),
  );
  return pages.flat().map((item) => ({ account_id: item.account_id, webhook_id: item.webhook_id, delivery_id: item.delivery_id }));
}

export interface DefaultSecretRecord {
  account_id: string;
  secret: SealedSecret;
  created_at: string;
}

export async function getDefaultSecret(accountId: string): Promise<DefaultSecretRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.webhookDefaultSecret(accountId), ConsistentRead: true }));
  return result.Item as DefaultSecretRecord | undefined;
}

/** Stores the account's default secret unless one exists (`replace` for a rotation); answers the one that is stored now. */
export async function putDefaultSecret(record: DefaultSecretRecord, options: { replace: boolean }): Promise<DefaultSecretRecord> {
  try {
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.webhookDefaultSecret(record.account_id), ...record },
        ...(options.replace ? {} : { ConditionExpression: 'attribute_not_exists(PK)' }),
      }),
    );
    return record;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const stored = await getDefaultSecret(record.account_id);
    if (!stored) throw error;
    return stored;
  }
}

/** The keys of the account's endpoints and default secret: an account's deletion removes them, so nothing is signed or sent for it afterwards. */
export async function webhookKeysOf(accountId: string): Promise<Array<{ PK: string; SK: string }>> {
  const endpoints = await listWebhookEndpoints(accountId);
  return [...endpoints.map((endpoint) => keys.webhookEndpoint(accountId, endpoint.webhook_id)), keys.webhookDefaultSecret(accountId)];
}

/** The keys of every delivery of the account (its deletion removes them with its outbox). */
export function webhookDeliveryKeysOf(accountId: string): Promise<Array<{ PK: string; SK: string }>> {
  const { PK, SKPrefix } = keys.webhookDeliveriesOfAccount(accountId);
  return prefixKeys(PK, SKPrefix);
}

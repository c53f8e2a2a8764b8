import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { gsi1Page, prefixKeys } from '#lib/db/query';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { TABLE_SCHEMA } from '#lib/db/table-schema';
import type { TransactionItem } from '#lib/db/ledger';
import { host } from '#lib/hosts/host';
import { isFaultArmed } from '#lib/faults';
import type { AccountEventName } from '#lib/event-names';
import { isConditionFailure } from '#lib/db/conditions';

/** How long an outbox row (and a delivery, lib/db/webhooks.ts) is kept: DynamoDB's TTL removes it after this. */
export const WEBHOOK_ROW_RETENTION_SECS = 30 * 24 * 60 * 60;

/** The TTL attribute for a row made at `isoTime` (epoch seconds, DynamoDB TTL's unit). */
export function retentionOf(isoTime: string): Record<string, number> {
  return { [TABLE_SCHEMA.ttlAttribute]: Math.floor(Date.parse(isoTime) / 1000) + WEBHOOK_ROW_RETENTION_SECS };
}

/**
 * The account's event outbox (api.md, Webhooks): one row per event, written in the same
 * transaction as the change it reports, so an event exists exactly when its change does. The
 * webhook fan-out (lib/webhooks) turns each row into deliveries; the row stays listed under
 * EVENTS_PENDING until then, so a row whose announcement was lost is still found by the sweep.
 */

export interface AccountEventRecord {
  id: string;
  event: AccountEventName;
  account_id: string;
  created_at: string;
  /** `expired`: never fanned out, and too old to be sent when the sweep found it (lib/webhooks/delivery-policy.ts). */
  delivery: 'pending' | 'fanned_out' | 'expired';
  /** What the API answers for the object the event is about (api.md: the same `data` shape). */
  data: Record<string, unknown>;
  /** A job's own upload webhook_url (api.md), delivered besides the account's endpoints; never part of `data`. */
  webhook_url?: string | null;
}

/** The Put of one outbox row, for the transaction of the change it reports. */
export function outboxEventPut(
  accountId: string,
  eventId: string,
  event: AccountEventName,
  data: Record<string, unknown>,
  at: string,
  options: { webhookUrl?: string | null } = {},
): TransactionItem {
  const record: AccountEventRecord = {
    id: eventId,
    event,
    account_id: accountId,
    created_at: at,
    delivery: 'pending',
    data,
    ...(options.webhookUrl ? { webhook_url: options.webhookUrl } : {}),
  };
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.accountEvent(accountId, eventId), ...keys.accountEventPendingIndex(at, eventId), ...record, ...retentionOf(at) },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

/**
 * Called once an event's transaction is written: in AWS the table's stream delivers the row by
 * itself; locally the host hands it to the fan-out now. A lost call costs latency, not the event:
 * the every-minute sweep fans out whatever is still pending.
 */
export function announceEvent(accountId: string, eventId: string): void {
  if (isFaultArmed('event_announcement_lost')) return;
  host().rowWritten('accountEvents', { account_id: accountId, id: eventId });
}

export async function getAccountEvent(accountId: string, eventId: string): Promise<AccountEventRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.accountEvent(accountId, eventId), ConsistentRead: true }));
  return result.Item as AccountEventRecord | undefined;
}

/** Events not fanned out yet, oldest first within each shard of the index (eventually consistent: the fan-out re-reads each). */
export async function listPendingEvents(limitPerShard: number): Promise<Array<Pick<AccountEventRecord, 'account_id' | 'id' | 'created_at'>>> {
  type Listed = Pick<AccountEventRecord, 'account_id' | 'id' | 'created_at'>;
  const pages = await Promise.all(keys.accountEventsPending().map(({ GSI1PK }) => gsi1Page<Listed>(GSI1PK, 'account_id, id, created_at', limitPerShard)));
  return pages.flat().map((item) => ({ account_id: item.account_id, id: item.id, created_at: item.created_at }));
}

/** Takes a still-pending event off the sweep's index without delivering it; false when it was fanned out meanwhile. */
export async function markEventExpired(accountId: string, eventId: string): Promise<boolean> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.accountEvent(accountId, eventId),
        UpdateExpression: 'SET delivery = :expired REMOVE GSI1PK, GSI1SK',
        ConditionExpression: 'delivery = :pending',
        ExpressionAttributeValues: { ':expired': 'expired', ':pending': 'pending' },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The keys of the account's outbox rows (an account's deletion removes them). */
export async function accountEventKeysOf(accountId: string): Promise<Array<{ PK: string; SK: string }>> {
  const { PK, SKPrefix } = keys.accountEventsOf(accountId);
  return prefixKeys(PK, SKPrefix);
}

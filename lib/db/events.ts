import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { TABLE_SCHEMA } from '#lib/db/table-schema';
import type { TransactionItem } from '#lib/db/ledger';
import { host } from '#lib/hosts/host';
import { isFaultArmed } from '#lib/faults';
import type { AccountEventName } from '#lib/event-names';

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
  delivery: 'pending' | 'fanned_out';
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
      Item: { ...keys.accountEvent(accountId, eventId), ...keys.accountEventPendingIndex(at, eventId), ...record },
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

/** Events not fanned out yet, oldest first (eventually consistent: the fan-out re-reads each). */
export async function listPendingEvents(limit: number): Promise<Array<Pick<AccountEventRecord, 'account_id' | 'id'>>> {
  const page = await db.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: TABLE_SCHEMA.gsi1.name,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.accountEventsPending().GSI1PK },
      ProjectionExpression: 'account_id, id',
      Limit: limit,
    }),
  );
  return ((page.Items ?? []) as Array<Pick<AccountEventRecord, 'account_id' | 'id'>>).map((item) => ({ account_id: item.account_id, id: item.id }));
}

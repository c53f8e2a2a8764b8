import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { isConditionFailure } from '#lib/db/conditions';
import { gsi1PageBefore } from '#lib/db/query';
import { TABLE_SCHEMA } from '#lib/db/table-schema';

/**
 * Auto top-up requests: the outbox row a debit writes, in its own transaction, when it takes the
 * balance below the account's threshold (plans.md, Credits). The charger (lib/billing/auto-topup.ts)
 * picks each up once — the table's stream in AWS, the local runtime in-process — and records how it ended.
 */
export type AutoTopUpStatus = 'pending' | 'succeeded' | 'failed' | 'skipped';

export interface AutoTopUpRequestRecord {
  request_id: string;
  account_id: string;
  /** What to charge: the setting when the threshold was crossed. */
  amount_micros: number;
  threshold_micros: number;
  /** The balance right after the crossing debit. */
  balance_micros: number;
  status: AutoTopUpStatus;
  created_at: string;
  finished_at?: string;
  payment_intent_id?: string;
  transaction_id?: string;
  error?: { code: string; message: string };
}

/** Done requests stay readable for a while (support questions), then expire. */
const DONE_TTL_SECS = 90 * 24 * 60 * 60;

/** The transaction item writing a new request; it goes with the debit that crossed, never alone. */
export function autoTopUpRequestPut(request: AutoTopUpRequestRecord) {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.autoTopUpRequest(request.account_id, request.request_id),
        ...keys.autoTopUpPendingIndex(request.created_at, request.request_id),
        ...request,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

export async function getAutoTopUpRequest(accountId: string, requestId: string): Promise<AutoTopUpRequestRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.autoTopUpRequest(accountId, requestId), ConsistentRead: true }));
  return result.Item as AutoTopUpRequestRecord | undefined;
}

export interface AutoTopUpOutcome {
  status: Exclude<AutoTopUpStatus, 'pending'>;
  finishedAt: string;
  paymentIntentId?: string;
  transactionId?: string;
  error?: { code: string; message: string };
}

/** Records how a pending request ended and takes it off the pending index; false when it had already ended. */
export async function finishAutoTopUpRequest(accountId: string, requestId: string, outcome: AutoTopUpOutcome): Promise<boolean> {
  const values: Record<string, unknown> = {
    ':status': outcome.status,
    ':pending': 'pending',
    ':at': outcome.finishedAt,
    ':expires': Math.floor(Date.parse(outcome.finishedAt) / 1000) + DONE_TTL_SECS,
  };
  const sets = ['#status = :status', 'finished_at = :at', `${TABLE_SCHEMA.ttlAttribute} = :expires`];
  if (outcome.paymentIntentId !== undefined) {
    sets.push('payment_intent_id = :intent');
    values[':intent'] = outcome.paymentIntentId;
  }
  if (outcome.transactionId !== undefined) {
    sets.push('transaction_id = :transaction');
    values[':transaction'] = outcome.transactionId;
  }
  if (outcome.error !== undefined) {
    sets.push('#error = :error');
    values[':error'] = outcome.error;
  }
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.autoTopUpRequest(accountId, requestId),
        UpdateExpression: `SET ${sets.join(', ')} REMOVE GSI1PK, GSI1SK`,
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status', ...(outcome.error !== undefined ? { '#error': 'error' } : {}) },
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Requests still pending that were made before `isoTime`, oldest first (eventually consistent: re-read each). */
export async function listAutoTopUpsPendingBefore(isoTime: string, limit: number): Promise<Array<Pick<AutoTopUpRequestRecord, 'account_id' | 'request_id'>>> {
  const items = await gsi1PageBefore<Pick<AutoTopUpRequestRecord, 'account_id' | 'request_id'>>(
    keys.autoTopUpsPendingBefore(isoTime),
    'account_id, request_id',
    limit,
  );
  return items.map((item) => ({ account_id: item.account_id, request_id: item.request_id }));
}

/** The charge made for a request, kept before it is credited so that a retry finds it instead of charging again. */
export async function recordAutoTopUpPayment(accountId: string, requestId: string, paymentIntentId: string): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.autoTopUpRequest(accountId, requestId),
      UpdateExpression: 'SET payment_intent_id = :intent',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':intent': paymentIntentId },
    }),
  );
}

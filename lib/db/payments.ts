import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { TABLE_SCHEMA } from '#lib/db/table-schema';

/**
 * The guards that make Stripe money land exactly once. Each is written with attribute_not_exists
 * in the same transaction as the credit and its ledger row (lib/billing/payments.ts), so a credit
 * and its guard exist together or not at all.
 */

/** A Stripe payment that has been credited: which ledger row paid it out. Kept for good. */
export interface AppliedPaymentRecord {
  payment_intent_id: string;
  account_id: string;
  amount_micros: number;
  transaction_id: string;
  applied_at: string;
  /** The path that got there first: the top-up's own answer, the auto top-up's charger, or a Stripe event. */
  applied_by: 'topup' | 'auto_topup' | 'stripe_event';
}

/** Stripe stops retrying an event after three days; the event guard outlives that comfortably. */
const EVENT_GUARD_TTL_SECS = 30 * 24 * 60 * 60;

export function paymentAppliedPut(record: AppliedPaymentRecord) {
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.stripePaymentApplied(record.payment_intent_id), ...record },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

export function eventAppliedPut(eventId: string, eventType: string, appliedAt: Date) {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.stripeEventApplied(eventId),
        event_id: eventId,
        event_type: eventType,
        applied_at: appliedAt.toISOString(),
        [TABLE_SCHEMA.ttlAttribute]: Math.floor(appliedAt.getTime() / 1000) + EVENT_GUARD_TTL_SECS,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

export async function findAppliedPayment(paymentIntentId: string): Promise<AppliedPaymentRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.stripePaymentApplied(paymentIntentId), ConsistentRead: true }));
  if (!result.Item) return undefined;
  const item = result.Item as AppliedPaymentRecord;
  return {
    payment_intent_id: item.payment_intent_id,
    account_id: item.account_id,
    amount_micros: item.amount_micros,
    transaction_id: item.transaction_id,
    applied_at: item.applied_at,
    applied_by: item.applied_by,
  };
}

export async function isEventApplied(eventId: string): Promise<boolean> {
  const result = await db.send(
    new GetCommand({ TableName: tableName, Key: keys.stripeEventApplied(eventId), ConsistentRead: true, ProjectionExpression: 'PK' }),
  );
  return result.Item !== undefined;
}

/**
 * What refunds and disputes have taken back of a credited payment: Stripe reports a charge's refunds as a running
 * total (`amount_refunded`) and a dispute by its amount, so each event says what the total should be and only the
 * difference moves the balance. Kept for good, like the payment's own guard.
 */
export interface PaymentReversalRecord {
  payment_intent_id: string;
  account_id: string;
  refunded_micros: number;
  disputed_micros: number;
}

export async function findPaymentReversal(paymentIntentId: string): Promise<PaymentReversalRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.stripePaymentReversal(paymentIntentId), ConsistentRead: true }));
  if (!result.Item) return undefined;
  const item = result.Item as PaymentReversalRecord;
  return {
    payment_intent_id: item.payment_intent_id,
    account_id: item.account_id,
    refunded_micros: item.refunded_micros,
    disputed_micros: item.disputed_micros,
  };
}

/** The new totals, written only over the ones read (`seen`; undefined: none yet), in the take-back's transaction. */
export function paymentReversalPut(record: PaymentReversalRecord, seen: PaymentReversalRecord | undefined) {
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.stripePaymentReversal(record.payment_intent_id), ...record },
      ...(seen
        ? {
            ConditionExpression: 'refunded_micros = :refunded AND disputed_micros = :disputed',
            ExpressionAttributeValues: { ':refunded': seen.refunded_micros, ':disputed': seen.disputed_micros },
          }
        : { ConditionExpression: 'attribute_not_exists(PK)' }),
    },
  };
}

import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { db } from '#lib/db/client';

/** True when a conditional write failed its condition (single write). */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException;
}

/**
 * For a cancelled TransactWriteItems: the indexes of the items whose condition failed,
 * so callers can say which guard refused (name taken, limit reached, …).
 */
export function failedConditionIndexes(error: unknown): number[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []));
}

/**
 * TransactWriteItems where a failed condition is an answer, not an error (a guard already taken,
 * a step already done): returns the indexes of the items whose condition failed, [] when written.
 */
export async function transactConditionally(items: NonNullable<TransactWriteCommandInput['TransactItems']>): Promise<number[]> {
  try {
    await db.send(new TransactWriteCommand({ TransactItems: items }));
    return [];
  } catch (error) {
    const failed = failedConditionIndexes(error);
    if (failed?.length) return failed;
    throw error;
  }
}

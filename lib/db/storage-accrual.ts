import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { isConditionFailure } from '#lib/db/conditions';
import { TABLE_SCHEMA } from '#lib/db/table-schema';

/**
 * The once-per-day guard of storage accrual: written with attribute_not_exists in the same
 * transaction as the day's debit, so a repeated run finds the day done. Kept past any catch-up
 * window, then expired.
 */
const GUARD_TTL_SECS = 90 * 24 * 60 * 60;

function guardItem(accountId: string, day: string, storageBytes: number, priceMicros: number, chargedMicros: number) {
  return {
    ...keys.storageAccrual(accountId, day),
    account_id: accountId,
    day,
    storage_bytes: storageBytes,
    price_micros: priceMicros,
    charged_micros: chargedMicros,
    [TABLE_SCHEMA.ttlAttribute]: Math.floor(Date.parse(`${day}T00:00:00.000Z`) / 1000) + GUARD_TTL_SECS,
  };
}

export function storageAccrualPut(accountId: string, day: string, storageBytes: number, priceMicros: number, chargedMicros: number) {
  return {
    Put: { TableName: tableName, Item: guardItem(accountId, day, storageBytes, priceMicros, chargedMicros), ConditionExpression: 'attribute_not_exists(PK)' },
  };
}

/** A day with nothing to take (no storage, or no balance) is marked all the same; false when it already was. */
export async function writeStorageAccrualAlone(accountId: string, day: string, storageBytes: number, priceMicros: number): Promise<boolean> {
  try {
    await db.send(
      new PutCommand({ TableName: tableName, Item: guardItem(accountId, day, storageBytes, priceMicros, 0), ConditionExpression: 'attribute_not_exists(PK)' }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

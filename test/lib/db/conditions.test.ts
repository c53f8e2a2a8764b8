import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { failedConditionIndexes, isConditionFailure, transactConditionally } from '#lib/db/conditions';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

function guardPut(key: { PK: string; SK: string }) {
  return { Put: { TableName: tableName, Item: { ...key, written: true }, ConditionExpression: 'attribute_not_exists(PK)' } };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('condition failures at the boundary', () => {
  it('recognises a single write refused by its condition, and nothing else', async () => {
    // Arrange
    const key = { PK: 'COND#single', SK: 'GUARD' };
    await db.send(new PutCommand({ TableName: tableName, Item: key }));

    // Act
    const refused = await rejectionOf(db.send(new PutCommand({ TableName: tableName, Item: key, ConditionExpression: 'attribute_not_exists(PK)' })));
    const invalid = await rejectionOf(db.send(new PutCommand({ TableName: tableName, Item: { PK: 'COND#no-sort-key' } })));

    // Assert
    expect(isConditionFailure(refused)).toBe(true);
    expect(isConditionFailure(invalid)).toBe(false);
    expect(isConditionFailure(new Error('ConditionalCheckFailedException'))).toBe(false);
    expect(failedConditionIndexes(refused)).toBeUndefined();
  });

  it('writes every item of a transaction and answers [] when every condition holds', async () => {
    // Act
    const failed = await transactConditionally([guardPut({ PK: 'COND#t1', SK: 'A' }), guardPut({ PK: 'COND#t1', SK: 'B' })]);

    // Assert
    expect(failed).toEqual([]);
    expect(await storedItem({ PK: 'COND#t1', SK: 'A' })).toMatchObject({ written: true });
    expect(await storedItem({ PK: 'COND#t1', SK: 'B' })).toMatchObject({ written: true });
  });

  it('answers the indexes of the items whose condition failed, and writes none of the transaction', async () => {
    // Arrange
    await db.send(new PutCommand({ TableName: tableName, Item: { PK: 'COND#t2', SK: 'B' } }));
    await db.send(new PutCommand({ TableName: tableName, Item: { PK: 'COND#t2', SK: 'D' } }));

    // Act
    const failed = await transactConditionally([
      guardPut({ PK: 'COND#t2', SK: 'A' }),
      guardPut({ PK: 'COND#t2', SK: 'B' }),
      guardPut({ PK: 'COND#t2', SK: 'C' }),
      guardPut({ PK: 'COND#t2', SK: 'D' }),
    ]);

    // Assert
    expect(failed).toEqual([1, 3]);
    expect(await storedItem({ PK: 'COND#t2', SK: 'A' })).toBeUndefined();
    expect(await storedItem({ PK: 'COND#t2', SK: 'C' })).toBeUndefined();
  });

  it('lets an error that is no failed condition through', async () => {
    // Act: an item without its sort key is refused by the table, not by a condition.
    const invalid = transactConditionally([guardPut({ PK: 'COND#t3', SK: 'A' }), { Put: { TableName: tableName, Item: { PK: 'COND#t3' } } }]);

    // Assert
    await expect(invalid).rejects.toMatchObject({ name: 'ValidationException' });
    expect(await storedItem({ PK: 'COND#t3', SK: 'A' })).toBeUndefined();
  });
});

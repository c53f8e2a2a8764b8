import { describe, expect, it } from 'vitest';
import { giveBackDailySearch, searchesOn, takeDailySearch } from '#lib/db/search-quota';
import { keys } from '#lib/db/keys';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

const DAY = '2026-10-05';
const EXPIRES = 1_791_331_200;

describe('daily search quota', () => {
  it('takes searches up to the quota, then refuses without counting further', async () => {
    // Act
    const taken = [];
    for (let search = 0; search < 4; search += 1) taken.push(await takeDailySearch('acc_q1', DAY, 3, EXPIRES));

    // Assert
    expect(taken).toEqual([true, true, true, false]);
    expect(await searchesOn('acc_q1', DAY)).toBe(3);
    expect(await storedItem(keys.searchQuota('acc_q1', DAY))).toEqual({ ...keys.searchQuota('acc_q1', DAY), searches: 3, expires_at: EXPIRES });
  });

  it('starts every UTC day, and every account, from zero', async () => {
    // Arrange
    await takeDailySearch('acc_q2', DAY, 1, EXPIRES);

    // Act
    const sameDay = await takeDailySearch('acc_q2', DAY, 1, EXPIRES);
    const nextDay = await takeDailySearch('acc_q2', '2026-10-06', 1, EXPIRES + 86_400);
    const otherAccount = await takeDailySearch('acc_q2_other', DAY, 1, EXPIRES);

    // Assert
    expect([sameDay, nextDay, otherAccount]).toEqual([false, true, true]);
  });

  it('keeps the expiry the day was opened with', async () => {
    // Arrange
    await takeDailySearch('acc_q3', DAY, 10, EXPIRES);

    // Act
    await takeDailySearch('acc_q3', DAY, 10, EXPIRES + 999);

    // Assert
    expect(await storedItem(keys.searchQuota('acc_q3', DAY))).toMatchObject({ searches: 2, expires_at: EXPIRES });
  });

  it('gives a search back so it can be taken again, never below zero', async () => {
    // Arrange
    await takeDailySearch('acc_q4', DAY, 1, EXPIRES);

    // Act
    await giveBackDailySearch('acc_q4', DAY);
    await giveBackDailySearch('acc_q4', DAY);
    const afterGivingBack = await searchesOn('acc_q4', DAY);
    const takenAgain = await takeDailySearch('acc_q4', DAY, 1, EXPIRES);

    // Assert
    expect(afterGivingBack).toBe(0);
    expect(takenAgain).toBe(true);
    expect(await searchesOn('acc_q4', DAY)).toBe(1);
  });

  it('reads zero, and writes nothing when one is given back, for a day without searches', async () => {
    // Act
    await giveBackDailySearch('acc_q5', DAY);

    // Assert
    expect(await searchesOn('acc_q5', DAY)).toBe(0);
    expect(await storedItem(keys.searchQuota('acc_q5', DAY))).toBeUndefined();
  });
});

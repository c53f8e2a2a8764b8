import { describe, expect, it } from 'vitest';
import { takeFromWindow } from '#lib/db/rate-limits';
import { keys } from '#lib/db/keys';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

const WINDOW = 1_800_000_000;
const EXPIRES = WINDOW + 120;

describe('takeFromWindow (rate-limit window counter)', () => {
  it('counts requests up to the limit, then refuses without counting further', async () => {
    // Act
    const counts = [];
    for (let request = 0; request < 4; request += 1) counts.push(await takeFromWindow('acc:acc_full', 'search', WINDOW, 3, EXPIRES));

    // Assert
    expect(counts).toEqual([1, 2, 3, undefined]);
    expect(await storedItem(keys.rateWindow('acc:acc_full', 'search', WINDOW))).toEqual({
      ...keys.rateWindow('acc:acc_full', 'search', WINDOW),
      request_count: 3,
      expires_at: EXPIRES,
    });
  });

  it('counts each scope, group and window apart', async () => {
    // Arrange
    await takeFromWindow('ip:10.0.0.1', 'auth', WINDOW, 1, EXPIRES);

    // Act
    const sameWindow = await takeFromWindow('ip:10.0.0.1', 'auth', WINDOW, 1, EXPIRES);
    const otherScope = await takeFromWindow('ip:10.0.0.2', 'auth', WINDOW, 1, EXPIRES);
    const otherGroup = await takeFromWindow('ip:10.0.0.1', 'search', WINDOW, 1, EXPIRES);
    const nextWindow = await takeFromWindow('ip:10.0.0.1', 'auth', WINDOW + 60, 1, EXPIRES + 60);

    // Assert
    expect([sameWindow, otherScope, otherGroup, nextWindow]).toEqual([undefined, 1, 1, 1]);
  });

  it('keeps the expiry the window was opened with', async () => {
    // Arrange
    await takeFromWindow('email:a@example.com', 'auth', WINDOW, 10, EXPIRES);

    // Act
    await takeFromWindow('email:a@example.com', 'auth', WINDOW, 10, EXPIRES + 999);

    // Assert
    expect(await storedItem(keys.rateWindow('email:a@example.com', 'auth', WINDOW))).toMatchObject({ request_count: 2, expires_at: EXPIRES });
  });

  it('refuses at once when the limit is lowered below what the window already counted', async () => {
    // Arrange
    await takeFromWindow('acc:acc_lowered', 'videos', WINDOW, 60, EXPIRES);
    await takeFromWindow('acc:acc_lowered', 'videos', WINDOW, 60, EXPIRES);

    // Act
    const afterLowering = await takeFromWindow('acc:acc_lowered', 'videos', WINDOW, 1, EXPIRES);

    // Assert
    expect(afterLowering).toBeUndefined();
    expect(await storedItem(keys.rateWindow('acc:acc_lowered', 'videos', WINDOW))).toMatchObject({ request_count: 2 });
  });
});

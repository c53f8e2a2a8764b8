import { describe, expect, it } from 'vitest';
import { keys } from '#lib/db/keys';
import { deleteSession, extendSession, getSession, listSessionKeysOf, putSession, type SessionRecord } from '#lib/db/sessions';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

function sessionRecord(accountId: string, tokenHash: string): SessionRecord {
  return {
    token_hash: tokenHash,
    account_id: accountId,
    created_at: '2026-10-01T00:00:00.000Z',
    idle_expires_ms: 1_790_000_000_000,
    absolute_expires_ms: 1_790_500_000_500,
    touched_ms: 1_789_000_000_000,
  };
}

describe('sessions by token hash', () => {
  it('stores a session under its hash, listed under its account, expiring (TTL) at its hard deadline', async () => {
    // Arrange
    const session = sessionRecord('acc_s1', 'hash_s1');

    // Act
    await putSession(session);

    // Assert
    expect(await getSession('hash_s1')).toEqual({
      ...keys.session('hash_s1'),
      ...keys.sessionIndex('acc_s1', 'hash_s1'),
      ...session,
      expires_at: 1_790_500_001,
    });
  });

  it('never overwrites a session: a second one under the same hash is refused as a failed condition', async () => {
    // Arrange
    await putSession(sessionRecord('acc_s2', 'hash_s2'));

    // Act
    const second = putSession(sessionRecord('acc_s2_other', 'hash_s2'));

    // Assert
    await expect(second).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect((await getSession('hash_s2'))?.account_id).toBe('acc_s2');
  });

  it('answers undefined for a hash nobody has', async () => {
    // Act / Assert
    expect(await getSession('hash_nobody')).toBeUndefined();
  });

  it('pushes the idle deadline and the touch time, never the hard deadline', async () => {
    // Arrange
    const session = sessionRecord('acc_s3', 'hash_s3');
    await putSession(session);

    // Act
    await extendSession('hash_s3', 1_790_100_000_000, 1_789_100_000_000);

    // Assert
    expect(await getSession('hash_s3')).toMatchObject({
      idle_expires_ms: 1_790_100_000_000,
      touched_ms: 1_789_100_000_000,
      absolute_expires_ms: session.absolute_expires_ms,
    });
  });

  it('logs out: a deleted session is gone, and extending it afterwards does not bring it back', async () => {
    // Arrange
    await putSession(sessionRecord('acc_s4', 'hash_s4'));

    // Act
    await deleteSession('hash_s4');
    await extendSession('hash_s4', 1_790_100_000_000, 1_789_100_000_000);

    // Assert
    expect(await getSession('hash_s4')).toBeUndefined();
    expect(await storedItem(keys.session('hash_s4'))).toBeUndefined();
    expect(await listSessionKeysOf('acc_s4')).toEqual([]);
  });

  it("lists the keys of every session of one account, and none of another's", async () => {
    // Arrange
    for (const hash of ['hash_s5a', 'hash_s5b']) await putSession(sessionRecord('acc_s5', hash));
    await putSession(sessionRecord('acc_s5_other', 'hash_s5c'));

    // Act
    const listed = await listSessionKeysOf('acc_s5');

    // Assert
    expect(listed).toEqual([keys.session('hash_s5a'), keys.session('hash_s5b')]);
  });
});

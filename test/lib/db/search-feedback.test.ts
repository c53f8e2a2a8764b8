import { describe, expect, it } from 'vitest';
import { getAccount, insertAccount } from '#lib/db/accounts';
import { keys } from '#lib/db/keys';
import { deleteFeedback, hiddenSegments, pastQueriesStartingWith, putFeedback, rememberQuery, segmentKey, type FeedbackRecord } from '#lib/db/search-feedback';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

let accounts = 0;
async function newAccount(): Promise<string> {
  accounts += 1;
  const accountId = `acc_feedback${accounts}`;
  await insertAccount({ account_id: accountId, email: `${accountId}@example.com`, password_hash: 'x', plan: 'free', created_at: '2026-11-01T00:00:00.000Z' });
  return accountId;
}

function vote(videoId: string, timestampStart: number, signal: 'up' | 'down'): FeedbackRecord {
  return { video_id: videoId, timestamp_start: timestampStart, signal, query: 'a red car', created_at: '2026-11-02T00:00:00.000Z' };
}

const AT = 1_794_000_000;

describe('search feedback of an account', () => {
  it('names a segment by its video and its start exactly as search returned it', () => {
    // Act / Assert
    expect([segmentKey('vid_1', 12.5), segmentKey('vid_1', 0)]).toEqual(['vid_1@12.5', 'vid_1@0']);
  });

  it("records a vote under its segment and moves the account's feedback_epoch", async () => {
    // Arrange
    const accountId = await newAccount();
    const record = vote('vid_1', 12.5, 'down');

    // Act
    await putFeedback(accountId, record);

    // Assert
    expect(await storedItem(keys.searchFeedback(accountId, 'vid_1@12.5'))).toEqual({ ...keys.searchFeedback(accountId, 'vid_1@12.5'), ...record });
    expect((await getAccount(accountId))?.feedback_epoch).toBe(1);
  });

  it("hides the segments voted down, once each, and none voted up or another account's", async () => {
    // Arrange
    const accountId = await newAccount();
    const otherAccountId = await newAccount();
    await putFeedback(accountId, vote('vid_1', 0, 'down'));
    await putFeedback(accountId, vote('vid_1', 5, 'up'));
    await putFeedback(accountId, vote('vid_2', 7.25, 'up'));
    await putFeedback(accountId, vote('vid_2', 7.25, 'down'));
    await putFeedback(otherAccountId, vote('vid_3', 1, 'down'));

    // Act
    const hidden = await hiddenSegments(accountId);

    // Assert
    expect(hidden).toEqual(new Set(['vid_1@0', 'vid_2@7.25']));
  });

  it('withdraws a vote: the segment is shown again and feedback_epoch moves', async () => {
    // Arrange
    const accountId = await newAccount();
    await putFeedback(accountId, vote('vid_1', 3, 'down'));

    // Act
    await deleteFeedback(accountId, 'vid_1', 3);

    // Assert
    expect(await hiddenSegments(accountId)).toEqual(new Set());
    expect(await storedItem(keys.searchFeedback(accountId, 'vid_1@3'))).toBeUndefined();
    expect((await getAccount(accountId))?.feedback_epoch).toBe(2);
  });
});

describe('past queries (suggest)', () => {
  it('counts each use of a query, keeps its latest text and keeps it 90 days after its last use', async () => {
    // Arrange
    const accountId = await newAccount();

    // Act
    await rememberQuery(accountId, 'red car', 'Red car', AT);
    await rememberQuery(accountId, 'red car', 'red car', AT + 60);

    // Assert
    expect(await storedItem(keys.pastQuery(accountId, 'red car'))).toEqual({
      ...keys.pastQuery(accountId, 'red car'),
      text: 'red car',
      uses: 2,
      last_used: AT + 60,
      expires_at: AT + 60 + 90 * 24 * 60 * 60,
    });
  });

  it("completes a prefix from the account's own queries, most used first, at most `limit`", async () => {
    // Arrange
    const accountId = await newAccount();
    const otherAccountId = await newAccount();
    for (const [query, uses] of [
      ['red car', 1],
      ['red bus', 3],
      ['red boat', 2],
      ['blue car', 5],
    ] as const) {
      for (let use = 0; use < uses; use += 1) await rememberQuery(accountId, query, query, AT);
    }
    for (let use = 0; use < 9; use += 1) await rememberQuery(otherAccountId, 'red sky', 'red sky', AT);

    // Act
    const suggested = await pastQueriesStartingWith(accountId, 'red', 2);

    // Assert
    expect(suggested.map(({ text, uses }) => ({ text, uses }))).toEqual([
      { text: 'red bus', uses: 3 },
      { text: 'red boat', uses: 2 },
    ]);
    expect(await pastQueriesStartingWith(accountId, 'green', 5)).toEqual([]);
  });
});

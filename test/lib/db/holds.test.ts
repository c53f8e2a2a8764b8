import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { transactConditionally } from '#lib/db/conditions';
import { holdChange, readHold, trialPartOf } from '#lib/db/holds';
import { keys } from '#lib/db/keys';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

async function videoHolding(accountId: string, videoId: string, hold: { reserved_indexing_micros: number; reserved_trial_micros?: number }): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.video(accountId, videoId), account_id: accountId, video_id: videoId, status: 'uploading', ...hold },
    }),
  );
}

describe("a video's indexing hold", () => {
  it('reads what is held and the trial part, undefined where the trial part was never recorded', async () => {
    // Arrange
    await videoHolding('acc_h1', 'vid_trial', { reserved_indexing_micros: 500, reserved_trial_micros: 200 });
    await videoHolding('acc_h1', 'vid_old', { reserved_indexing_micros: 300 });

    // Act
    const withTrial = await readHold({ account_id: 'acc_h1', video_id: 'vid_trial' });
    const older = await readHold({ account_id: 'acc_h1', video_id: 'vid_old' });

    // Assert
    expect(withTrial).toEqual({ micros: 500, trialMicros: 200 });
    expect(older).toEqual({ micros: 300, trialMicros: undefined });
  });

  it("answers undefined for an unknown video, another account's, and one that holds nothing", async () => {
    // Arrange
    await videoHolding('acc_h2', 'vid_1', { reserved_indexing_micros: 500 });
    await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.video('acc_h2', 'vid_none'), video_id: 'vid_none' } }));

    // Act / Assert
    expect(await readHold({ account_id: 'acc_h2', video_id: 'vid_missing' })).toBeUndefined();
    expect(await readHold({ account_id: 'acc_h2_other', video_id: 'vid_1' })).toBeUndefined();
    expect(await readHold({ account_id: 'acc_h2', video_id: 'vid_none' })).toBeUndefined();
  });

  it('counts the trial part only up to what is held', () => {
    // Act / Assert
    expect([trialPartOf(500, 200), trialPartOf(100, 200), trialPartOf(500, undefined), trialPartOf(0, 200)]).toEqual([200, 100, 0, 0]);
  });

  it('moves a hold from what it held to the new amount once; a second move from the same amount is refused', async () => {
    // Arrange
    await videoHolding('acc_h3', 'vid_1', { reserved_indexing_micros: 500, reserved_trial_micros: 200 });
    const video = { account_id: 'acc_h3', video_id: 'vid_1' };
    const from = { micros: 500, trialMicros: 200 };

    // Act
    const first = await transactConditionally([holdChange(video, from, { micros: 800, trialMicros: 200 })]);
    const repeat = await transactConditionally([holdChange(video, from, { micros: 0, trialMicros: 0 })]);

    // Assert
    expect([first, repeat]).toEqual([[], [0]]);
    expect(await readHold(video)).toEqual({ micros: 800, trialMicros: 200 });
  });

  it('refuses a move whose trial part no longer matches, and one from an absent trial part where one is recorded', async () => {
    // Arrange
    await videoHolding('acc_h4', 'vid_1', { reserved_indexing_micros: 500, reserved_trial_micros: 200 });
    await videoHolding('acc_h4', 'vid_old', { reserved_indexing_micros: 300 });

    // Act
    const wrongTrial = await transactConditionally([
      holdChange({ account_id: 'acc_h4', video_id: 'vid_1' }, { micros: 500, trialMicros: 100 }, { micros: 0, trialMicros: 0 }),
    ]);
    const absentTrial = await transactConditionally([
      holdChange({ account_id: 'acc_h4', video_id: 'vid_1' }, { micros: 500, trialMicros: undefined }, { micros: 0, trialMicros: 0 }),
    ]);
    const olderMoved = await transactConditionally([
      holdChange({ account_id: 'acc_h4', video_id: 'vid_old' }, { micros: 300, trialMicros: undefined }, { micros: 0, trialMicros: 0 }),
    ]);

    // Assert
    expect([wrongTrial, absentTrial, olderMoved]).toEqual([[0], [0], []]);
    expect(await readHold({ account_id: 'acc_h4', video_id: 'vid_1' })).toEqual({ micros: 500, trialMicros: 200 });
    expect(await readHold({ account_id: 'acc_h4', video_id: 'vid_old' })).toEqual({ micros: 0, trialMicros: 0 });
  });

  it("refuses a move of an unknown or another account's video, and leaves no stub video", async () => {
    // Arrange
    await videoHolding('acc_h5', 'vid_1', { reserved_indexing_micros: 500 });

    // Act
    const failed = await transactConditionally([
      holdChange({ account_id: 'acc_h5_other', video_id: 'vid_1' }, { micros: 500, trialMicros: undefined }, { micros: 0, trialMicros: 0 }),
    ]);

    // Assert
    expect(failed).toEqual([0]);
    expect(await storedItem(keys.video('acc_h5_other', 'vid_1'))).toBeUndefined();
    expect(await readHold({ account_id: 'acc_h5', video_id: 'vid_1' })).toEqual({ micros: 500, trialMicros: undefined });
  });
});

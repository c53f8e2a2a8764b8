import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { dropOpenUploadEntry, endUpload, getUploadRecord, listExpiredOpenUploads, storageLimitError, type UploadRecord } from '#lib/db/uploads';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

function uploadRecord(accountId: string, uploadId: string, expiresAtIso: string): UploadRecord {
  return {
    upload_id: uploadId,
    account_id: accountId,
    collection_id: 'col_up',
    video_id: `vid_of_${uploadId}`,
    job_id: `job_of_${uploadId}`,
    method: 'multipart',
    source_key: `videos/${accountId}/vid_of_${uploadId}/source.mp4`,
    content_type: 'video/mp4',
    size_bytes: 300_000,
    part_size: 100_000,
    parts_count: 3,
    storage_upload_id: 'mpu-1',
    status: 'awaiting_bytes',
    expires_at_iso: expiresAtIso,
    created_at: '2026-08-01T00:00:00.000Z',
  };
}

/** The session and its expiry entry, as upload creation writes them (lib/db/upload-creation.ts). */
async function openUpload(upload: UploadRecord): Promise<void> {
  await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.upload(upload.account_id, upload.upload_id), ...upload } }));
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.openUpload(upload.expires_at_iso, upload.upload_id),
        account_id: upload.account_id,
        upload_id: upload.upload_id,
        expires_at_iso: upload.expires_at_iso,
      },
    }),
  );
}

async function expiredBefore(isoTime: string, accountId: string, limit = 100) {
  const entries = await listExpiredOpenUploads(isoTime, limit);
  return entries
    .filter((entry) => entry.account_id === accountId)
    .map(({ account_id, upload_id, expires_at_iso }) => ({ account_id, upload_id, expires_at_iso }));
}

describe('upload sessions', () => {
  it('says PLAN_LIMIT_EXCEEDED with the limit, and the use when known', () => {
    // Act
    const withUse = storageLimitError(5_000_000_000, 4_900_000_000);
    const withoutUse = storageLimitError(5_000_000_000);

    // Assert
    expect(withUse).toMatchObject({ code: 'PLAN_LIMIT_EXCEEDED', status: 402, extras: { limit: 5_000_000_000, used: 4_900_000_000 } });
    expect(withUse.message).toContain('5000 MB');
    expect(withoutUse.extras).toEqual({ limit: 5_000_000_000 });
  });

  it("reads a session by id; an unknown id or another account's session is undefined", async () => {
    // Arrange
    const upload = uploadRecord('acc_u1', 'upl_01', '2026-08-02T00:00:00.000Z');
    await openUpload(upload);

    // Act / Assert
    expect(await getUploadRecord('acc_u1', 'upl_01')).toEqual({ ...keys.upload('acc_u1', 'upl_01'), ...upload });
    expect(await getUploadRecord('acc_u1', 'upl_99')).toBeUndefined();
    expect(await getUploadRecord('acc_u1_other', 'upl_01')).toBeUndefined();
  });

  it('ends an open session once, with the status given, and takes it off the expiry list', async () => {
    // Arrange
    const upload = uploadRecord('acc_u2', 'upl_01', '2026-08-02T00:00:00.000Z');
    await openUpload(upload);

    // Act
    const first = await endUpload(upload, 'complete');
    const second = await endUpload(upload, 'aborted');

    // Assert
    expect([first, second]).toEqual([true, false]);
    expect((await getUploadRecord('acc_u2', 'upl_01'))?.status).toBe('complete');
    expect(await storedItem(keys.openUpload(upload.expires_at_iso, 'upl_01'))).toBeUndefined();
    expect(await expiredBefore('2030-01-01T00:00:00.000Z', 'acc_u2')).toEqual([]);
  });

  it('answers false for a session that does not exist, and writes none', async () => {
    // Act
    const ended = await endUpload(uploadRecord('acc_u3', 'upl_missing', '2026-08-02T00:00:00.000Z'), 'expired');

    // Assert
    expect(ended).toBe(false);
    expect(await storedItem(keys.upload('acc_u3', 'upl_missing'))).toBeUndefined();
  });
});

describe('open uploads by expiry (the daily sweep)', () => {
  it('lists the sessions whose time ran out by a time (that instant included), oldest first, and none expiring later', async () => {
    // Arrange
    for (const [uploadId, expires] of [
      ['upl_b', '2026-08-03T12:00:00.000Z'],
      ['upl_a', '2026-08-03T06:00:00.000Z'],
      ['upl_c', '2026-08-04T00:00:00.000Z'],
      ['upl_d', '2026-08-05T00:00:00.000Z'],
    ] as const) {
      await openUpload(uploadRecord('acc_u4', uploadId, expires));
    }

    // Act
    const expired = await expiredBefore('2026-08-04T00:00:00.000Z', 'acc_u4');

    // Assert
    expect(expired).toEqual([
      { account_id: 'acc_u4', upload_id: 'upl_a', expires_at_iso: '2026-08-03T06:00:00.000Z' },
      { account_id: 'acc_u4', upload_id: 'upl_b', expires_at_iso: '2026-08-03T12:00:00.000Z' },
      { account_id: 'acc_u4', upload_id: 'upl_c', expires_at_iso: '2026-08-04T00:00:00.000Z' },
    ]);
  });

  it('takes at most `limit` at a time, the oldest', async () => {
    // Arrange
    for (const [uploadId, expires] of [
      ['upl_2', '2020-01-02T00:00:00.000Z'],
      ['upl_1', '2020-01-01T00:00:00.000Z'],
      ['upl_3', '2020-01-03T00:00:00.000Z'],
    ] as const) {
      await openUpload(uploadRecord('acc_u5', uploadId, expires));
    }

    // Act
    const page = await listExpiredOpenUploads('2020-12-31T00:00:00.000Z', 2);

    // Assert
    expect(page.map((entry) => entry.upload_id)).toEqual(['upl_1', 'upl_2']);
  });

  it('drops an entry whose upload is gone, and only that one', async () => {
    // Arrange
    await openUpload(uploadRecord('acc_u6', 'upl_01', '2026-08-06T00:00:00.000Z'));
    await openUpload(uploadRecord('acc_u6', 'upl_02', '2026-08-06T00:00:00.000Z'));

    // Act
    await dropOpenUploadEntry('2026-08-06T00:00:00.000Z', 'upl_01');

    // Assert
    expect((await expiredBefore('2026-08-07T00:00:00.000Z', 'acc_u6')).map((entry) => entry.upload_id)).toEqual(['upl_02']);
    expect(await getUploadRecord('acc_u6', 'upl_01')).toBeDefined();
  });
});

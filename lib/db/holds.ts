import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import type { VideoRecord } from '#lib/db/videos';

/**
 * A video's indexing hold: `reserved_indexing_micros` (what is held) and `reserved_trial_micros`
 * (how much of that trial credit paid, so giving it back restores trial credit, which expires,
 * rather than credit that does not). Videos held before the trial part was recorded have none.
 * A completed job zeroes the hold without touching the trial part, so that part only counts up
 * to what is held.
 */
export interface Hold {
  micros: number;
  /** As stored: undefined when the attribute is absent. */
  trialMicros: number | undefined;
}

export type HeldVideo = Pick<VideoRecord, 'account_id' | 'video_id'>;

export async function readHold(video: HeldVideo): Promise<Hold | undefined> {
  const result = await db.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.video(video.account_id, video.video_id),
      ConsistentRead: true,
      ProjectionExpression: 'reserved_indexing_micros, reserved_trial_micros',
    }),
  );
  const item = result.Item as { reserved_indexing_micros?: number; reserved_trial_micros?: number } | undefined;
  if (item?.reserved_indexing_micros === undefined) return undefined;
  return { micros: item.reserved_indexing_micros, trialMicros: item.reserved_trial_micros };
}

/** The trial-paid part of a hold of `micros`. */
export function trialPartOf(micros: number, storedTrialMicros: number | undefined): number {
  return Math.min(storedTrialMicros ?? 0, micros);
}

/**
 * A transaction item moving a video's hold from `from` to `to`, refused when the video no longer
 * holds `from` (so a hold is released or re-made exactly once).
 */
export function holdChange(video: HeldVideo, from: Hold, to: { micros: number; trialMicros: number }) {
  const values: Record<string, number> = { ':from': from.micros, ':to': to.micros, ':toTrial': to.trialMicros };
  let condition = 'reserved_indexing_micros = :from AND ';
  if (from.trialMicros === undefined) condition += 'attribute_not_exists(reserved_trial_micros)';
  else {
    condition += 'reserved_trial_micros = :fromTrial';
    values[':fromTrial'] = from.trialMicros;
  }
  return {
    Update: {
      TableName: tableName,
      Key: keys.video(video.account_id, video.video_id),
      UpdateExpression: 'SET reserved_indexing_micros = :to, reserved_trial_micros = :toTrial',
      ConditionExpression: condition,
      ExpressionAttributeValues: values,
    },
  };
}

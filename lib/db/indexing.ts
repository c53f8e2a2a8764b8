import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { isConditionFailure, transactConditionally } from '#lib/db/conditions';
import type { VideoRecord } from '#lib/db/videos';
import type { JobErrorCode } from '#lib/errors';
import { jobView, type JobRecord, type JobView } from '#lib/db/jobs';
import { outboxEventPut } from '#lib/db/events';
import { listCountersChange } from '#lib/db/accounts';

/**
 * The job side of indexing. Chunks of one job run in parallel and may be delivered twice, so
 * every change here is a set-add or a condition: a chunk counts once however often it runs, the
 * job's progress only climbs, and exactly one chunk's finish turns the job `done`.
 */

/** The engines a video was indexed with (VideoDetail.models). */
export interface IndexModels {
  embedder: string | null;
  transcriber: string | null;
  text_reader: string | null;
}

/** What indexing adds to the video's record when it completes. */
export interface IndexedFacts {
  models: IndexModels;
  segments_count: number;
  thumbnail_key: string | null;
}

const ACTIVE = { ':pending': 'pending', ':processing': 'processing' };

/**
 * Records that one step (`chunk:stage`) of a job is done and moves `stage` and `progress_pct`.
 * Progress is the share of steps done, held below 100 until the job is `done`, and never falls.
 */
export async function recordStepDone(
  job: Pick<JobRecord, 'account_id' | 'job_id'>,
  step: string,
  stage: string,
  totalSteps: number,
  at: string,
): Promise<void> {
  let stepsDone: number;
  try {
    const result = await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.job(job.account_id, job.job_id),
        UpdateExpression: 'ADD steps_done :step SET #status = :processing, stage = :stage, updated_at = :at',
        ConditionExpression: '#status IN (:pending, :processing)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...ACTIVE, ':step': new Set([step]), ':stage': stage, ':at': at },
        ReturnValues: 'ALL_NEW',
      }),
    );
    stepsDone = (result.Attributes?.steps_done as Set<string> | undefined)?.size ?? 0;
  } catch (error) {
    if (isConditionFailure(error)) return; // finished or failed meanwhile: nothing left to report
    throw error;
  }
  const pct = Math.min(99, Math.floor((stepsDone / Math.max(1, totalSteps)) * 99));
  await db
    .send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.job(job.account_id, job.job_id),
        UpdateExpression: 'SET progress_pct = :pct',
        ConditionExpression: '#status = :processing AND progress_pct < :pct',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':processing': 'processing', ':pct': pct },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
}

/** Counts a chunk as done (once, however often it is delivered); says how many of the job's chunks are. */
export async function recordChunkDone(job: Pick<JobRecord, 'account_id' | 'job_id'>, chunkIndex: number, at: string): Promise<number> {
  const result = await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.job(job.account_id, job.job_id),
      UpdateExpression: 'ADD chunks_done_set :chunk SET updated_at = :at',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':chunk': new Set([chunkIndex]), ':at': at },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const done = result.Attributes?.chunks_done_set as Set<number> | undefined;
  return done?.size ?? 0;
}

export function chunkIsDone(job: JobRecord, chunkIndex: number): boolean {
  return job.chunks_done_set?.has(chunkIndex) ?? false;
}

/**
 * The last chunk's finish: job `done` at 100 %, the video `ready` with what it was indexed with,
 * the indexing reservation settled (it was the exact price), and `job.completed` in the outbox —
 * one transaction, conditional on the job still running, so it happens exactly once.
 */
export async function recordJobDone(video: VideoRecord, job: JobRecord, facts: IndexedFacts, eventId: string, at: string): Promise<boolean> {
  const failed = await transactConditionally([
    {
      Update: {
        TableName: tableName,
        Key: keys.job(job.account_id, job.job_id),
        UpdateExpression: 'SET #status = :done, stage = :stage, progress_pct = :hundred, chunks_done = chunks_total, updated_at = :at',
        ConditionExpression: '#status IN (:pending, :processing)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...ACTIVE, ':done': 'done', ':stage': 'done', ':hundred': 100, ':at': at },
      },
    },
    {
      Update: {
        TableName: tableName,
        Key: keys.video(video.account_id, video.video_id),
        // The reservation was the exact price: settling it is letting go of the hold (the money was taken when it was made).
        UpdateExpression:
          'SET #status = :ready, models = :models, segments_count = :segments, thumbnail_key = :thumbnail, indexed_job_id = :job, reserved_indexing_micros = :zero, updated_at = :at',
        ConditionExpression: 'job_id = :job AND #status IN (:processing, :ready) AND reserved_indexing_micros = :held',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':ready': 'ready',
          ':processing': 'processing',
          ':models': facts.models,
          ':segments': facts.segments_count,
          ':thumbnail': facts.thumbnail_key,
          ':job': job.job_id,
          ':zero': 0,
          ':held': video.reserved_indexing_micros,
          ':at': at,
        },
      },
    },
    outboxEventPut(video.account_id, eventId, 'job.completed', jobEventData(job, 'done', null, at), at, { webhookUrl: video.webhook_url }),
  ]);
  return failed.length === 0;
}

/**
 * A job that cannot finish: `failed` with its code naming the stage, and `job.failed` in the
 * outbox. A first indexing leaves the video `failed`; a reindex leaves it `ready` on its old
 * rows. The caller releases the reservation (a balance change of its own).
 */
export async function recordJobFailed(
  video: VideoRecord,
  job: JobRecord,
  error: { code: JobErrorCode; message: string },
  eventId: string,
  at: string,
): Promise<boolean> {
  const reindex = video.indexed_job_id !== undefined && video.indexed_job_id !== null;
  const failed = await transactConditionally([
    {
      Update: {
        TableName: tableName,
        Key: keys.job(job.account_id, job.job_id),
        UpdateExpression: 'SET #status = :failed, #error = :error, updated_at = :at',
        ConditionExpression: '#status IN (:pending, :processing)',
        ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
        ExpressionAttributeValues: { ...ACTIVE, ':failed': 'failed', ':error': error, ':at': at },
      },
    },
    ...(reindex
      ? []
      : [
          {
            Update: {
              TableName: tableName,
              Key: keys.video(video.account_id, video.video_id),
              UpdateExpression: 'SET #status = :failed, updated_at = :at',
              ConditionExpression: 'job_id = :job AND #status = :processing',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':failed': 'failed', ':processing': 'processing', ':job': job.job_id, ':at': at },
            },
          },
        ]),
    outboxEventPut(video.account_id, eventId, 'job.failed', jobEventData(job, 'failed', error, at), at, { webhookUrl: video.webhook_url }),
  ]);
  return failed.length === 0;
}

/** The job as GET /v1/jobs/{id} answers it once this transaction is written (api.md: events carry the API's shape). */
function jobEventData(job: JobRecord, status: 'done' | 'failed', error: JobRecord['error'], at: string): JobView {
  return jobView({
    ...job,
    status,
    stage: status === 'done' ? 'done' : job.stage,
    progress_pct: status === 'done' ? 100 : job.progress_pct,
    error,
    updated_at: at,
  });
}

/**
 * Starts a reindex: a new job for a video whose last job finished, conditional on nothing else
 * having started one meanwhile.
 */
export async function recordReindexStarted(video: VideoRecord, job: JobRecord, at: string): Promise<boolean> {
  // A ready video keeps answering on its old rows; a failed one is indexing again.
  const next = video.status === 'ready' ? 'ready' : 'processing';
  const failed = await transactConditionally([
    {
      Update: {
        TableName: tableName,
        Key: keys.video(video.account_id, video.video_id),
        UpdateExpression: 'SET job_id = :job, #status = :next, updated_at = :at',
        ConditionExpression: '#status = :current_status AND job_id = :current',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':current_status': video.status, ':next': next, ':job': job.job_id, ':current': video.job_id, ':at': at },
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: { ...keys.job(job.account_id, job.job_id), ...keys.jobIndex(job.collection_id, job.job_id), ...job },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
    listCountersChange(job.account_id, { job_count: 1 }),
  ]);
  return failed.length === 0;
}

import { GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { isConditionFailure } from '#lib/db/conditions';
import { countInRange, queryPrefixNewestFirst, readNewestFirst, statusListFilter, type ListRead } from '#lib/db/query';
import { getItems } from '#lib/db/batch';
import type { JobErrorCode } from '#lib/errors';

/**
 * Jobs: one per indexing run of a video (an upload's first, every reindex). Their status and
 * progress are written by ingest and the index worker together with the video (lib/db/videos.ts,
 * lib/db/indexing.ts); what is here touches the job alone.
 */
export type JobStatus = 'queued' | 'pending' | 'processing' | 'done' | 'failed';

export interface JobRecord {
  job_id: string;
  account_id: string;
  video_id: string;
  collection_id: string;
  status: JobStatus;
  stage: string;
  progress_pct: number;
  error: { code: JobErrorCode; message: string } | null;
  chunks_total: number;
  chunks_done: number;
  chunks_enqueued: boolean;
  /** Chunk indexes finished (a set, so a redelivered chunk counts once). */
  chunks_done_set?: Set<number>;
  /** `chunk:stage` steps finished, for progress. */
  steps_done?: Set<string>;
  created_at: string;
  updated_at: string;
}

/**
 * A job as the API answers it (GET /v1/jobs/{id}) and as its events carry it (api.md: events carry the
 * API's shape) — built here, once, so the two never drift.
 */
export type JobView = {
  id: string;
  job_id: string;
  /** The owning account's id (PureFrame's name for it). */
  user_id: string;
  video_id: string;
  collection_id: string;
  status: JobStatus;
  stage: string;
  progress_pct: number;
  /**
   * api.md's PureFrame shape: `error` is the message, its code beside it in `error_code` — errors.md's
   * `{code, message}` of a failed job, carried as two fields. The record keeps the object.
   */
  error: string | null;
  error_code: JobErrorCode | null;
  created_at: string;
  updated_at: string;
};

export function jobView(job: JobRecord): JobView {
  return {
    id: job.job_id,
    job_id: job.job_id,
    user_id: job.account_id,
    video_id: job.video_id,
    collection_id: job.collection_id,
    status: job.status,
    stage: job.stage,
    progress_pct: job.progress_pct,
    error: job.error?.message ?? null,
    error_code: job.error?.code ?? null,
    created_at: job.created_at,
    updated_at: job.updated_at,
  };
}

/** What a new job is made from: the video it indexes. */
export interface QueuedJobSource {
  account_id: string;
  video_id: string;
  collection_id: string;
  job_id: string;
  created_at: string;
}

/** The job of a video that was just declared: queued until its bytes are stored and checked. */
export function newQueuedJob(video: QueuedJobSource, stage: string): JobRecord {
  return {
    job_id: video.job_id,
    account_id: video.account_id,
    video_id: video.video_id,
    collection_id: video.collection_id,
    status: 'queued',
    stage,
    progress_pct: 0,
    error: null,
    chunks_total: 0,
    chunks_done: 0,
    chunks_enqueued: false,
    created_at: video.created_at,
    updated_at: video.created_at,
  };
}

export async function getJobRecord(accountId: string, jobId: string): Promise<JobRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.job(accountId, jobId), ConsistentRead: true }));
  return result.Item as JobRecord | undefined;
}

export function listJobRecords(accountId: string): Promise<JobRecord[]> {
  const { PK, SKPrefix } = keys.jobsOf(accountId);
  return queryPrefixNewestFirst<JobRecord>(tableName, PK, SKPrefix);
}

export interface JobListFilters {
  status?: readonly JobStatus[] | undefined;
  collectionId?: string | undefined;
}

/** The rows GET /v1/jobs lists: the account's jobs, or one collection's through GSI1, of the statuses asked. */
function jobListQuery(accountId: string, filters: JobListFilters) {
  const filter = statusListFilter({ statuses: filters.status ?? [], accountId: filters.collectionId === undefined ? undefined : accountId });
  const range = filters.collectionId === undefined ? keys.jobsOf(accountId) : keys.jobsOfCollection(accountId, filters.collectionId);
  return { range, filter };
}

/** One page of GET /v1/jobs by key condition (see readNewestFirst). */
export function readJobsPage(accountId: string, filters: JobListFilters, read: ListRead): Promise<{ items: JobRecord[]; next: string | undefined }> {
  const { range, filter } = jobListQuery(accountId, filters);
  return readNewestFirst<JobRecord & { SK: string }>(range, { ...read, filter });
}

/** How many jobs a filter lets through, for the filters no counter keeps (their keys are counted). */
export function countJobs(accountId: string, filters: JobListFilters): Promise<number> {
  const { range, filter } = jobListQuery(accountId, filters);
  return countInRange(range, filter);
}

/** Several jobs of one account at once (a page of videos); missing ones are left out. */
export function batchGetJobs(accountId: string, jobIds: readonly string[]): Promise<JobRecord[]> {
  return getItems<JobRecord>([...new Set(jobIds)].map((jobId) => keys.job(accountId, jobId)));
}

/** A job deleted meanwhile (its video was deleted) stays deleted: nothing to mark, and no stub item left behind. */
export async function markChunksEnqueued(accountId: string, jobId: string, at: string): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.job(accountId, jobId),
        UpdateExpression: 'SET chunks_enqueued = :yes, updated_at = :at',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':yes': true, ':at': at },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

export async function setJobStage(accountId: string, jobId: string, stage: string, at: string): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.job(accountId, jobId),
      UpdateExpression: 'SET stage = :stage, updated_at = :at',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':stage': stage, ':at': at },
    }),
  );
}

/**
 * Jobs of every account still in flight (not waiting for a customer's bytes) that have not changed since
 * `beforeIso`: the daily sweep's list of stalled work. A scan of the table, filtered, once a day: in-flight
 * jobs have no index of their own (GSI1 holds the collection's cascade), and a day's read is cheaper than
 * keeping one on every job write.
 */
export async function scanStalledJobs(beforeIso: string): Promise<JobRecord[]> {
  const jobs: JobRecord[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(SK, :job) AND #status IN (:queued, :pending, :processing) AND stage <> :awaiting AND updated_at < :before',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':job': keys.job('', '').SK,
          ':queued': 'queued',
          ':pending': 'pending',
          ':processing': 'processing',
          ':awaiting': 'awaiting_bytes',
          ':before': beforeIso,
        },
        ExclusiveStartKey: cursor,
      }),
    );
    jobs.push(...((page.Items ?? []) as JobRecord[]));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return jobs;
}

import { config } from '#lib/config';
import { host } from '#lib/hosts/host';
import type { FrameMapMessage } from '#lib/search/framemap-answer';

/**
 * The queue of index work: one message per time chunk of a video, purges, upkeep and frame maps. The host carries
 * it (lib/hosts: SQS with a DLQ in AWS, the local runtime's queue on disk) to the index worker.
 */
export interface IndexChunkMessage {
  kind?: 'chunk';
  account_id: string;
  video_id: string;
  job_id: string;
  chunk_index: number;
  chunks_total: number;
  start_secs: number;
  end_secs: number;
}

/** The part of a chunk message that says which range of how many. */
export type ChunkRange = Pick<IndexChunkMessage, 'chunk_index' | 'chunks_total' | 'start_secs' | 'end_secs'>;

/** How a video is cut: one chunk per `chunkSecs`, the last one shorter. */
export function chunkRanges(durationSecs: number, chunkSecs: number): ChunkRange[] {
  const total = Math.max(1, Math.ceil(durationSecs / chunkSecs));
  return Array.from({ length: total }, (_, index) => ({
    chunk_index: index,
    chunks_total: total,
    start_secs: index * chunkSecs,
    end_secs: Math.min(durationSecs, (index + 1) * chunkSecs),
  }));
}

/**
 * Index rows to remove: one video's, or (without video_id) a whole account's. Sent by deletes,
 * which run in small API functions; the worker, which carries the index engine, does the removal.
 */
export interface IndexPurgeMessage {
  kind: 'purge';
  account_id: string;
  video_id?: string;
}

/**
 * Index upkeep (compaction, index refresh, old versions removed), sent every hour by a schedule:
 * the worker carries the index engine. Idempotent, so a twin delivery only costs time.
 */
export interface IndexMaintenanceMessage {
  kind: 'maintain';
}

export const INDEX_MAINTENANCE_MESSAGE: IndexMaintenanceMessage = { kind: 'maintain' };

/** A frame map to compute (GET /v1/framemap queues it; lib/search/framemap.ts computes it in the worker). */
export type { FrameMapMessage } from '#lib/search/framemap-answer';

export type IndexQueueMessage = IndexChunkMessage | IndexPurgeMessage | IndexMaintenanceMessage | FrameMapMessage;

export function isChunkMessage(message: IndexQueueMessage): message is IndexChunkMessage {
  return message.kind === undefined || message.kind === 'chunk';
}

/** Deliveries of one chunk message before its job fails (SQS: the redrive policy's maxReceiveCount). */
export const INDEX_MAX_ATTEMPTS = 3;

/** How many chunk messages a video of this length becomes. */
export function chunkCount(durationSecs: number): number {
  return chunkRanges(durationSecs, config.FRAMESEEK_CHUNK_SECS).length;
}

/** Queues every chunk of a job's video: one message per FRAMESEEK_CHUNK_SECS of it. */
export async function enqueueChunks(job: { account_id: string; video_id: string; job_id: string }, durationSecs: number): Promise<void> {
  const ranges = chunkRanges(durationSecs, config.FRAMESEEK_CHUNK_SECS);
  const messages: IndexChunkMessage[] = ranges.map((range) => ({ account_id: job.account_id, video_id: job.video_id, job_id: job.job_id, ...range }));
  await host().enqueue('index', messages);
}

/** Asks the worker to remove a video's index rows (or an account's, without a video id). */
export async function enqueuePurge(accountId: string, videoId?: string): Promise<void> {
  const purge: IndexPurgeMessage = { kind: 'purge', account_id: accountId, ...(videoId ? { video_id: videoId } : {}) };
  await host().enqueue('index', [purge]);
}

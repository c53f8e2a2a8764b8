import * as z from 'zod';
import { isFaultArmed } from '#lib/faults';
import { logError, logWarn } from '#lib/log';
import { metrics } from '#lib/metrics';
import { failStalledIndexing } from '#lib/indexing/worker';
import { failStrandedIngestOfKey } from '#lib/uploads/ingest';
import { failStrandedFetch } from '#lib/uploads/url-ingest';
import { failFrameMapFromDeadLetter } from '#lib/search/framemap-answer';

/**
 * What reaches a dead-letter queue: an event or message whose last try failed. Each names a job that
 * would otherwise stay `queued` or `processing` for good; here it fails visibly, with its code, and
 * gives back what it held (a frame map computation names no job: its scope's marker records the failure). Lambda's on-failure destination wraps an asynchronous invocation's event in
 * `requestPayload`; an SQS redrive keeps the message as it was.
 */
const storageEvent = z.object({
  Records: z.array(z.object({ s3: z.object({ object: z.object({ key: z.string() }) }) })).min(1),
});
const fetchTask = z.object({ kind: z.literal('fetchSource'), account_id: z.string(), upload_id: z.string() });
const indexChunk = z.object({ kind: z.literal('chunk').optional(), account_id: z.string(), video_id: z.string(), job_id: z.string(), chunk_index: z.number() });
const frameMapTask = z.object({ kind: z.literal('framemap'), account_id: z.string(), collection_id: z.string().optional(), started_at: z.string() });
const deadLetter = z.union([storageEvent, fetchTask, frameMapTask, indexChunk]);
const destinationRecord = z.object({ requestPayload: z.unknown() });

export type DeadLetterOutcome = 'failed_job' | 'failed_framemap' | 'nothing_to_do' | 'not_understood' | 'lost';

export async function handleDeadLetter(body: unknown): Promise<DeadLetterOutcome> {
  if (isFaultArmed('dead_letter_lost')) return 'lost';
  const wrapped = destinationRecord.safeParse(body);
  const parsed = deadLetter.safeParse(wrapped.success ? wrapped.data.requestPayload : body);
  if (!parsed.success) {
    // Nothing to fail: kept in the log for a person (the daily sweep still finds any job it stranded).
    logError('dead letter not understood', { body });
    return 'not_understood';
  }
  const message = parsed.data;
  if ('kind' in message && message.kind === 'framemap') {
    // No job: the scope's frame map marker says it failed; the next GET /v1/framemap starts it again.
    logWarn('dead letter: frame map computation gave up', { message });
    await failFrameMapFromDeadLetter(message);
    return 'failed_framemap';
  }
  logWarn('dead letter: giving up on its job', { message });
  let failed = false;
  if ('Records' in message) {
    for (const record of message.Records) {
      failed = (await failStrandedIngestOfKey(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')))) || failed;
    }
  } else if ('upload_id' in message) {
    failed = await failStrandedFetch(message.account_id, message.upload_id);
  } else {
    failed = await failStalledIndexing(message.account_id, message.video_id, message.job_id, `chunk ${message.chunk_index} reached the dead-letter queue`);
  }
  if (!failed) return 'nothing_to_do';
  metrics.recordJobFinished('failed');
  return 'failed_job';
}

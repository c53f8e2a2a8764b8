import type { S3Event } from 'aws-lambda';
import { ingestStoredObject } from '#lib/uploads/ingest';

/** S3 ObjectCreated → ingest. A throw makes Lambda retry the event; ingest is idempotent. */
export async function handler(event: S3Event): Promise<void> {
  for (const record of event.Records) {
    if (!record.eventName.startsWith('ObjectCreated')) continue;
    await ingestStoredObject(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')));
  }
}

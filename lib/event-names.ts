/**
 * The events of the account's outbox that webhooks deliver (api.md, Webhooks). Apart from the outbox
 * module (lib/db/events.ts, which holds a table client) so that the route table's schemas can name
 * them without reading any configuration when they load.
 */
export const ACCOUNT_EVENT_NAMES = ['job.completed', 'job.failed', 'video.created', 'video.deleted', 'credits.low', 'credits.exhausted'] as const;
export type AccountEventName = (typeof ACCOUNT_EVENT_NAMES)[number];

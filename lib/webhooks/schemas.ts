import * as z from 'zod';
import { ACCOUNT_EVENT_NAMES } from '#lib/event-names';
import { listQuery, refusePageDepth } from '#lib/pagination';

/** What an endpoint may subscribe to: every event (`*`), or some of api.md's six. */
export const subscribableEvents = z
  .array(z.enum(['*', ...ACCOUNT_EVENT_NAMES]))
  .min(1)
  .max(ACCOUNT_EVENT_NAMES.length);

const endpointUrl = z.url({ protocol: /^https?$/ }).max(2048);

export const createWebhookBody = z.strictObject({
  url: endpointUrl,
  events: subscribableEvents.default(['*']),
  is_active: z.boolean().default(true),
});

export const updateWebhookBody = z
  .strictObject({ url: endpointUrl.optional(), events: subscribableEvents.optional(), is_active: z.boolean().optional() })
  .refine((body) => Object.keys(body).length > 0, { message: 'give at least one of url, events, is_active' });

export const webhookParams = z.strictObject({ webhook_id: z.string().min(1).max(64) });
export const deliveryParams = z.strictObject({ webhook_id: z.string().min(1).max(64), delivery_id: z.string().min(1).max(64) });
export const listDeliveriesQuery = z.strictObject({ ...listQuery() }).superRefine(refusePageDepth);
/** Up to 100 endpoints a page by default (the largest plan's cap): a client that never paged still sees them all. */
export const listWebhooksQuery = z.strictObject({ ...listQuery(100, 100) }).superRefine(refusePageDepth);

export const webhookView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  is_active: z.boolean(),
  created_at: z.string(),
});

/** The signing secret appears here and in a rotation's answer only. */
export const createdWebhook = webhookView.extend({ secret: z.string() });
export const rotatedSecret = z.object({ secret: z.string(), previous_secret_expires_at: z.string().nullable() });

export const deliveryView = z.object({
  id: z.string(),
  event_id: z.string(),
  event: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempt_count: z.number().int(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
  attempts: z.array(z.object({ at: z.string(), status_code: z.number().int().nullable(), error: z.string().nullable(), duration_ms: z.number() })),
});

export const queuedDelivery = z.object({ delivery_id: z.string(), status: z.literal('queued') });

import type { DynamoDBBatchResponse, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { derivedId, newId, newSecret } from '#lib/ids';
import { now } from '#lib/clock';
import { AppError } from '#lib/errors';
import { isFaultArmed } from '#lib/faults';
import { logError, logInfo, logWarn } from '#lib/log';
import { guardedPost, UrlRefusedError } from '#lib/net/url-guard';
import { host } from '#lib/hosts/host';
import { getAccountEvent, listPendingEvents, markEventExpired } from '#lib/db/events';
import {
  getDefaultSecret,
  getDelivery,
  getWebhookEndpoint,
  holdDelivery,
  insertDelivery,
  listDueDeliveries,
  listWebhookEndpoints,
  putDefaultSecret,
  recordAttempt,
  recordFanOut,
  requeueDelivery,
  UPLOAD_WEBHOOK_ID,
  type AttemptOutcome,
  type DeliveryAttempt,
  type DeliveryRecord,
  type DueDelivery,
  type WebhookEndpointRecord,
} from '#lib/db/webhooks';
import { openSecret, sealSecret } from '#lib/webhooks/secret-box';
import { signatureHeader } from '#lib/webhooks/signing';
import { EVENT_MAX_PENDING_MS, QUEUED_ATTEMPT_LEASE_MS, RETRY_WINDOW_MS, retryDelayMs, SEND_DEADLINE_MS } from '#lib/webhooks/delivery-policy';
import { releaseHeldDeliveries, requireEndpoint } from '#lib/webhooks/endpoints';

/**
 * Delivery (api.md, Webhooks): each outbox event becomes one delivery per subscribed, active
 * endpoint (and one to its upload's webhook_url), each sent as a signed POST through the URL guard.
 * At least once, with a stable event id (`Frameseek-Event-Id`) receivers can dedupe on; no order is
 * promised between an endpoint's deliveries, since a retried one may land after a later event.
 */

/** The queue message that asks for one attempt of one delivery. */
export type DeliveryMessage = DueDelivery;

/** What the sweep reads of each shard of its two indexes a minute (lib/db/keys.ts SWEEP_INDEX_SHARDS). */
const SWEEP_PAGE = 100;

function subscribed(endpoint: WebhookEndpointRecord, event: string): boolean {
  return endpoint.is_active && (endpoint.events.includes('*') || endpoint.events.includes(event));
}

/** api.md's delivery body: `{id: "evt_…", event, created_at, data}` (an outbox event, or webhook.ping). */
function payloadOf(event: { id: string; event: string; created_at: string; data: Record<string, unknown> }): string {
  return JSON.stringify({ id: event.id, event: event.event, created_at: event.created_at, data: event.data });
}

/** A fresh delivery; an event's own deliveries take an id derived from the event and the endpoint (a repeated fan-out finds them). */
function newDelivery(
  fields: Pick<DeliveryRecord, 'account_id' | 'webhook_id' | 'event_id' | 'event' | 'url' | 'payload'>,
  at: Date,
  deliveryId: string = derivedId('delivery', fields.event_id, fields.webhook_id),
): DeliveryRecord {
  return {
    ...fields,
    delivery_id: deliveryId,
    status: 'pending',
    attempt_count: 0,
    attempts: [],
    last_status_code: null,
    last_error: null,
    next_attempt_at: at.toISOString(),
    give_up_at: new Date(at.getTime() + RETRY_WINDOW_MS).toISOString(),
    delivered_at: null,
    created_at: at.toISOString(),
  };
}

/** Until when the sweep leaves an attempt queued at `at` to its message. */
const leaseEnd = (at: Date) => new Date(at.getTime() + QUEUED_ATTEMPT_LEASE_MS).toISOString();

const messageOf = (delivery: DeliveryRecord): DeliveryMessage => ({
  account_id: delivery.account_id,
  webhook_id: delivery.webhook_id,
  delivery_id: delivery.delivery_id,
});

/** The account's default secret (signs upload webhook_url deliveries), made on first use. */
async function ensureDefaultSecret(accountId: string): Promise<void> {
  if (await getDefaultSecret(accountId)) return;
  await putDefaultSecret({ account_id: accountId, secret: await sealSecret(newSecret('whsec')), created_at: now().toISOString() }, { replace: false });
}

/**
 * Turns one outbox event into its deliveries and asks for their first attempts. Safe to repeat and
 * to race (the stream, the local host and the sweep may all get here): only one fan-out is written.
 */
export async function fanOutEvent(accountId: string, eventId: string): Promise<number> {
  const event = await getAccountEvent(accountId, eventId);
  if (!event || event.delivery !== 'pending') return 0;
  const at = now();
  const payload = payloadOf(event);
  const common = { account_id: accountId, event_id: event.id, event: event.event, payload };
  // An endpoint receives the events written since it was created, not older ones a late fan-out finds.
  const endpoints = (await listWebhookEndpoints(accountId)).filter((endpoint) => subscribed(endpoint, event.event) && endpoint.created_at <= event.created_at);
  const deliveries = endpoints.map((endpoint) => newDelivery({ ...common, webhook_id: endpoint.webhook_id, url: endpoint.url }, at));
  // api.md: an upload's webhook_url receives that job's job.completed / job.failed only.
  if (event.webhook_url && event.event.startsWith('job.')) {
    await ensureDefaultSecret(accountId);
    deliveries.push(newDelivery({ ...common, webhook_id: UPLOAD_WEBHOOK_ID, url: event.webhook_url }, at));
  }
  if (!(await recordFanOut(accountId, eventId, deliveries, leaseEnd(at)))) return 0;
  if (deliveries.length > 0 && !isFaultArmed('webhook_dispatch_lost')) await host().enqueue('webhooks', deliveries.map(messageOf));
  return deliveries.length;
}

/**
 * Where a delivery goes now and the secrets that sign it: the endpoint's current URL (a PATCH applies to
 * attempts still to come) with its secret, and within 24 h of a rotation its previous one too; or the
 * upload's own URL with the account's default secret.
 */
async function target(delivery: DeliveryRecord): Promise<{ url: string; secrets: string[] } | { refusal: string } | { paused: true }> {
  if (delivery.webhook_id === UPLOAD_WEBHOOK_ID) {
    const stored = await getDefaultSecret(delivery.account_id);
    return stored ? { url: delivery.url, secrets: [await openSecret(stored.secret)] } : { refusal: 'the account has no default webhook secret' };
  }
  const endpoint = await getWebhookEndpoint(delivery.account_id, delivery.webhook_id);
  if (!endpoint) return { refusal: 'the endpoint was deleted' };
  if (!endpoint.is_active && delivery.event !== 'webhook.ping') return { paused: true };
  const stillSigning = endpoint.previous_secret && (endpoint.previous_secret_expires_at ?? '') > now().toISOString() ? [endpoint.previous_secret] : [];
  return { url: endpoint.url, secrets: await Promise.all([endpoint.secret, ...stillSigning].map(openSecret)) };
}

/** One POST; never throws for the receiver's sake: every way it can go wrong is an attempt with an error. */
async function attempt(delivery: DeliveryRecord, url: string, secrets: readonly string[]): Promise<DeliveryAttempt> {
  const at = now();
  const startedMs = Date.now();
  const headers = {
    'Frameseek-Signature': signatureHeader(secrets, Math.floor(at.getTime() / 1000), delivery.payload),
    'Frameseek-Event-Id': delivery.event_id,
    'Frameseek-Event': delivery.event,
    'Frameseek-Delivery-Id': delivery.delivery_id,
  };
  try {
    const answer = await guardedPost(url, delivery.payload, headers, { deadlineMs: SEND_DEADLINE_MS });
    const ok = answer.status >= 200 && answer.status < 300;
    return { at: at.toISOString(), status_code: answer.status, error: ok ? null : `answered ${answer.status}`, duration_ms: Date.now() - startedMs };
  } catch (error) {
    // The guard's reasons are the customer's to read; anything else is named by its code only.
    const reason =
      error instanceof UrlRefusedError
        ? `refused: the URL ${error.message}`
        : `could not connect (${error instanceof Error && 'code' in error ? String(error.code) : 'network error'})`;
    return { at: at.toISOString(), status_code: null, error: reason, duration_ms: Date.now() - startedMs };
  }
}

function outcomeOf(delivery: DeliveryRecord, made: DeliveryAttempt): AttemptOutcome {
  if (made.status_code !== null && made.status_code >= 200 && made.status_code < 300) return { kind: 'delivered' };
  const next = new Date(now().getTime() + retryDelayMs(delivery.attempt_count + 1));
  return next.toISOString() > delivery.give_up_at ? { kind: 'failed' } : { kind: 'retry', nextAttemptAt: next.toISOString() };
}

/**
 * One attempt of one delivery (the sender's queue message). A copy that arrives early or twice
 * changes nothing: the delivery must still be pending and due, and the attempt is recorded only
 * if no other was recorded since it was read.
 */
export async function sendDelivery(message: DeliveryMessage): Promise<void> {
  const delivery = await getDelivery(message.account_id, message.webhook_id, message.delivery_id);
  if (!delivery || delivery.status !== 'pending') return;
  if (delivery.next_attempt_at && delivery.next_attempt_at > now().toISOString()) return;
  const destination = await target(delivery);
  if ('paused' in destination) {
    await holdWhilePaused(delivery);
    return;
  }
  if ('refusal' in destination) {
    const made = { at: now().toISOString(), status_code: null, error: `not sent: ${destination.refusal}`, duration_ms: 0 };
    await recordAttempt(delivery, made, { kind: 'failed' });
    return;
  }
  const made = await attempt(delivery, destination.url, destination.secrets);
  const outcome = outcomeOf(delivery, made);
  const recorded = await recordAttempt(delivery, made, outcome);
  logInfo('webhooks: attempt', { delivery_id: delivery.delivery_id, status_code: made.status_code, outcome: outcome.kind, recorded });
}

/**
 * An attempt that comes due while its endpoint is paused is not made and not counted: the delivery
 * waits, held, and is due again when the endpoint is re-activated (lib/webhooks/endpoints.ts). A
 * re-activation that ran between the read and the hold would have missed it: release it then.
 */
async function holdWhilePaused(delivery: DeliveryRecord): Promise<void> {
  if (!(await holdDelivery(delivery))) return;
  logInfo('webhooks: held while the endpoint is paused', { delivery_id: delivery.delivery_id });
  if ((await getWebhookEndpoint(delivery.account_id, delivery.webhook_id))?.is_active) {
    await releaseHeldDeliveries(delivery.account_id, delivery.webhook_id);
  }
}

/** POST /v1/webhooks/{id}/test: a `webhook.ping` to that endpoint (paused or not), logged like any delivery. */
export async function sendTestPing(accountId: string, webhookId: string): Promise<{ delivery_id: string; status: 'queued' }> {
  const endpoint = await requireEndpoint(accountId, webhookId);
  const at = now();
  const eventId = newId('event');
  const payload = payloadOf({
    id: eventId,
    event: 'webhook.ping',
    created_at: at.toISOString(),
    data: { webhook_id: webhookId },
  });
  const delivery = newDelivery(
    { account_id: accountId, webhook_id: webhookId, event_id: eventId, event: 'webhook.ping', url: endpoint.url, payload },
    at,
    newId('delivery'),
  );
  await insertDelivery(delivery, leaseEnd(at));
  await host().enqueue('webhooks', [messageOf(delivery)]);
  return { delivery_id: delivery.delivery_id, status: 'queued' };
}

/** POST …/deliveries/{id}/retry: the same event id and body again, now, with a fresh 24 h of retries. */
export async function retryDelivery(accountId: string, webhookId: string, deliveryId: string): Promise<{ delivery_id: string; status: 'queued' }> {
  await requireEndpoint(accountId, webhookId);
  const delivery = await getDelivery(accountId, webhookId, deliveryId);
  if (!delivery) throw new AppError('WEBHOOK_NOT_FOUND', 'Webhook delivery not found');
  const at = now();
  await requeueDelivery(delivery, at.toISOString(), new Date(at.getTime() + RETRY_WINDOW_MS).toISOString(), leaseEnd(at));
  await host().enqueue('webhooks', [messageOf(delivery)]);
  return { delivery_id: deliveryId, status: 'queued' };
}

/**
 * The every-minute sweep (plans.md, Scheduled work): fans out events whose announcement was lost
 * (or expires those pending past EVENT_MAX_PENDING_MS), and asks for every attempt that has come due
 * (retries wait here, on the table, for their time). One event that cannot be fanned out is logged
 * and left for the next sweep; it never holds up the others.
 */
export async function sweepWebhooks(): Promise<{ fanned_out: number; expired: number; due: number }> {
  const counts = { fanned_out: 0, expired: 0 };
  const expireBefore = new Date(now().getTime() - EVENT_MAX_PENDING_MS).toISOString();
  for (const event of await listPendingEvents(SWEEP_PAGE)) {
    try {
      if (event.created_at < expireBefore) {
        if (await markEventExpired(event.account_id, event.id)) {
          counts.expired += 1;
          logWarn('webhooks: an event pending past its delivery window was expired unsent', { account_id: event.account_id, event_id: event.id });
        }
      } else if ((await fanOutEvent(event.account_id, event.id)) > 0) {
        counts.fanned_out += 1;
      }
    } catch (error) {
      logError('webhooks: the sweep could not fan out an event; the next sweep tries again', { account_id: event.account_id, event_id: event.id, error });
    }
  }
  const due = await listDueDeliveries(now().toISOString(), SWEEP_PAGE);
  if (due.length > 0) await host().enqueue('webhooks', due);
  return { ...counts, due: due.length };
}

/** The table's stream (filtered to new outbox rows) → fan-outs; a failure makes Lambda retry from that record. */
export async function fanOutFromStream(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    const accountId = image?.account_id?.S;
    const eventId = image?.id?.S;
    if (!accountId || !eventId) continue;
    try {
      await fanOutEvent(accountId, eventId);
    } catch (error) {
      logError('webhooks: fan-out failed; the stream delivers it again (and the sweep finds it)', { account_id: accountId, event_id: eventId, error });
      batchItemFailures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
      break;
    }
  }
  return { batchItemFailures };
}

/** The webhook queue → one attempt per message; a throw (the table unreachable) leaves that message for SQS to deliver again. */
export async function sendFromQueue(event: SQSEvent): Promise<SQSBatchResponse> {
  const failures = await Promise.all(
    event.Records.map(async (record) => {
      try {
        await sendDelivery(JSON.parse(record.body) as DeliveryMessage);
        return [];
      } catch (error) {
        logError('webhooks: send failed; SQS delivers the message again', { message_id: record.messageId, error });
        return [{ itemIdentifier: record.messageId }];
      }
    }),
  );
  return { batchItemFailures: failures.flat() };
}

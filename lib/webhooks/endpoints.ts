import { newId, newSecret } from '#lib/ids';
import { now } from '#lib/clock';
import { AppError } from '#lib/errors';
import { planLimits } from '#lib/plans';
import type { Page, PageRequest } from '#lib/pagination';
import { requirePublicUrl } from '#lib/net/url-guard';
import { getAccount, requireAccount } from '#lib/db/accounts';
import {
  countDeliveries,
  getDefaultSecret,
  getWebhookEndpoint,
  insertWebhookEndpoint,
  listHeldDeliveries,
  putDefaultSecret,
  readDeliveriesPage,
  readWebhookEndpointsPage,
  removeWebhookEndpoint,
  requeueDelivery,
  saveWebhookEndpoint,
  type DeliveryRecord,
  type WebhookEndpointRecord,
} from '#lib/db/webhooks';
import { sealSecret } from '#lib/webhooks/secret-box';
import { RETRY_WINDOW_MS } from '#lib/webhooks/delivery-policy';

/** api.md: after an explicit rotation the old secret keeps signing (beside the new one) this long. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  is_active: boolean;
  created_at: string;
}

function toView(record: WebhookEndpointRecord): WebhookView {
  return { id: record.webhook_id, url: record.url, events: record.events, is_active: record.is_active, created_at: record.created_at };
}

/** `*` alone stands for everything; a list naming `*` among others means the same. */
function normaliseEvents(events: readonly string[]): string[] {
  return events.includes('*') ? ['*'] : [...new Set(events)];
}

/** Another account's endpoint and a missing one answer the same (errors.md). */
export async function requireEndpoint(accountId: string, webhookId: string): Promise<WebhookEndpointRecord> {
  const record = await getWebhookEndpoint(accountId, webhookId);
  if (!record) throw new AppError('WEBHOOK_NOT_FOUND');
  return record;
}

export async function createWebhook(
  accountId: string,
  input: { url: string; events: readonly string[]; is_active: boolean },
): Promise<WebhookView & { secret: string }> {
  const account = await requireAccount(accountId);
  // At create and again at every send (lib/webhooks/deliveries.ts): DNS may change in between.
  const url = (await requirePublicUrl(input.url, 'url')).toString();
  const secret = newSecret('whsec');
  const at = now().toISOString();
  const record: WebhookEndpointRecord = {
    webhook_id: newId('webhook'),
    account_id: accountId,
    url,
    events: normaliseEvents(input.events),
    is_active: input.is_active,
    secret: await sealSecret(secret),
    previous_secret: null,
    previous_secret_expires_at: null,
    created_at: at,
    updated_at: at,
  };
  await insertWebhookEndpoint(record, planLimits(account.plan).webhook_endpoints);
  return { ...toView(record), secret };
}

/** GET /v1/webhooks: a page by key condition, the total from the account's counter (the plan's cap counts them). */
export async function listWebhooks(accountId: string, request: PageRequest): Promise<{ page: Page<WebhookView>; defaultSecretSet: boolean }> {
  const [page, account, defaultSecret] = await Promise.all([
    readWebhookEndpointsPage(accountId, { limit: request.perPage, skip: request.skip, after: request.after }),
    getAccount(accountId),
    getDefaultSecret(accountId),
  ]);
  return {
    page: { items: page.items.map(toView), total: account?.webhook_endpoints ?? 0, page: request.page, per_page: request.perPage, next: page.next },
    defaultSecretSet: defaultSecret !== undefined,
  };
}

export async function updateWebhook(
  accountId: string,
  webhookId: string,
  changes: { url?: string | undefined; events?: readonly string[] | undefined; is_active?: boolean | undefined },
): Promise<WebhookView> {
  const record = await requireEndpoint(accountId, webhookId);
  const updated: WebhookEndpointRecord = {
    ...record,
    ...(changes.url !== undefined ? { url: (await requirePublicUrl(changes.url, 'url')).toString() } : {}),
    ...(changes.events !== undefined ? { events: normaliseEvents(changes.events) } : {}),
    ...(changes.is_active !== undefined ? { is_active: changes.is_active } : {}),
    updated_at: now().toISOString(),
  };
  if (!(await saveWebhookEndpoint(updated))) throw new AppError('WEBHOOK_NOT_FOUND');
  if (updated.is_active && !record.is_active) await releaseHeldDeliveries(accountId, webhookId);
  return toView(updated);
}

/**
 * An endpoint active again: the deliveries held while it was paused are due now, each with a fresh
 * 24 h of retries (the pause was not the receiver failing); the every-minute sweep sends them.
 */
export async function releaseHeldDeliveries(accountId: string, webhookId: string): Promise<number> {
  const held = await listHeldDeliveries(accountId, webhookId);
  const at = now();
  const dueAt = at.toISOString();
  const giveUpAt = new Date(at.getTime() + RETRY_WINDOW_MS).toISOString();
  for (const delivery of held) await requeueDelivery(delivery, dueAt, giveUpAt, dueAt);
  return held.length;
}

export async function deleteWebhook(accountId: string, webhookId: string): Promise<void> {
  if (!(await removeWebhookEndpoint(accountId, webhookId))) throw new AppError('WEBHOOK_NOT_FOUND');
}

/**
 * A new secret, shown once; the one it replaces keeps signing for 24 h (both signatures are sent),
 * so receivers can switch without dropping a delivery. A rotation during an overlap ends the older one.
 */
export async function rotateWebhookSecret(accountId: string, webhookId: string): Promise<{ secret: string; previous_secret_expires_at: string }> {
  const record = await requireEndpoint(accountId, webhookId);
  const secret = newSecret('whsec');
  const at = now();
  const expiresAt = new Date(at.getTime() + ROTATION_OVERLAP_MS).toISOString();
  const rotated: WebhookEndpointRecord = {
    ...record,
    secret: await sealSecret(secret),
    previous_secret: record.secret,
    previous_secret_expires_at: expiresAt,
    updated_at: at.toISOString(),
  };
  if (!(await saveWebhookEndpoint(rotated))) throw new AppError('WEBHOOK_NOT_FOUND');
  return { secret, previous_secret_expires_at: expiresAt };
}

/**
 * The account's default secret, which signs deliveries to an upload's own webhook_url (api.md):
 * made on first use, without being shown. This call makes a new one and shows it, once; it replaces
 * the old one at once (deliveries to upload URLs have no endpoint to hold an overlap on).
 */
export async function replaceDefaultSecret(accountId: string): Promise<{ secret: string; previous_secret_expires_at: null }> {
  await requireAccount(accountId);
  const secret = newSecret('whsec');
  await putDefaultSecret({ account_id: accountId, secret: await sealSecret(secret), created_at: now().toISOString() }, { replace: true });
  return { secret, previous_secret_expires_at: null };
}

export interface DeliveryView {
  id: string;
  event_id: string;
  event: string;
  status: DeliveryRecord['status'];
  attempt_count: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
  attempts: DeliveryRecord['attempts'];
}

function toDeliveryView(record: DeliveryRecord): DeliveryView {
  return {
    id: record.delivery_id,
    event_id: record.event_id,
    event: record.event,
    status: record.status,
    attempt_count: record.attempt_count,
    last_status_code: record.last_status_code,
    last_error: record.last_error,
    next_attempt_at: record.next_attempt_at,
    delivered_at: record.delivered_at,
    created_at: record.created_at,
    attempts: record.attempts,
  };
}

/** The endpoint's delivery log, newest first. */
/** An endpoint's delivery log: a page by key condition; the total counted (deliveries expire by TTL, which no counter sees). */
export async function listWebhookDeliveries(accountId: string, webhookId: string, request: PageRequest): Promise<Page<DeliveryView>> {
  await requireEndpoint(accountId, webhookId);
  const [page, total] = await Promise.all([
    readDeliveriesPage(accountId, webhookId, { limit: request.perPage, skip: request.skip, after: request.after }),
    request.carriedTotal ?? countDeliveries(accountId, webhookId),
  ]);
  return { items: page.items.map(toDeliveryView), total, page: request.page, per_page: request.perPage, next: page.next };
}

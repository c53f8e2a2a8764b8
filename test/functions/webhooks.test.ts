import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nowMs, useClock, useSystemClock } from '#lib/clock';
import { keys } from '#lib/db/keys';
import { verifyFrameseekSignature } from '#lib/webhooks/verify';
import { errorOf, finishedJob, list, signUp, useTestApi, type Client, type Json } from '#test/support/api';
import { media } from '#test/support/media';
import { startWebhookReceiver, type WebhookReceiver } from '#test/support/webhook-receiver';

/**
 * Outgoing webhooks over HTTP against the real local runtime: a receiver on loopback (allowed
 * through the URL guard by the test-only list) checks every signature with the README's verifier.
 * Retries wait on the table for the every-minute sweep, which runs on the scheduler's tick with the
 * injectable clock moved forward — the receiver checks timestamps against that same clock.
 */
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver({ nowSecs: () => Math.floor(nowMs() / 1000) });
  process.env.FRAMESEEK_URL_GUARD_ALLOW = new URL(receiver.origin).host;
  // Room for one large declared upload whose estimate takes the $5 trial credit below $1 (credits.low).
  const overrides = JSON.parse(process.env.FRAMESEEK_PLAN_OVERRIDES ?? '{}') as Record<string, unknown>;
  process.env.FRAMESEEK_PLAN_OVERRIDES = JSON.stringify({ ...overrides, plans: { free: { storage_limit_bytes: 10 ** 12 } } });
  // Indexing here only needs to finish: no speech or on-screen text engines.
  process.env.FRAMESEEK_TRANSCRIBER = 'none';
  process.env.FRAMESEEK_TEXT_READER = 'none';
});
afterAll(() => receiver.close());
afterEach(() => useSystemClock());

const api = useTestApi();

let paths = 0;
/** A fresh receiver path per endpoint, so tests never read each other's requests. */
function freshPath(name: string): string {
  paths += 1;
  return `/${name}-${paths}`;
}

async function createEndpoint(token: string, path: string, body: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  const response = await api.post('/v1/webhooks', { token, body: { url: `${receiver.origin}${path}`, ...body } });
  if (response.status !== 201) throw new Error(`webhook creation failed: ${response.status} ${response.text}`);
  receiver.trust(path, String(response.body.data.secret));
  return { id: String(response.body.data.id), secret: String(response.body.data.secret) };
}

async function collectionOf(token: string): Promise<string> {
  const response = await api.post('/v1/collections', { token, body: { name: `hooks ${paths}` } });
  return String(response.body.data.id);
}

/** Declares an upload (no bytes): the video exists from now, so `video.created` is written. */
async function declareUpload(token: string, collectionId: string): Promise<string> {
  const response = await api.post('/v1/uploads', {
    token,
    body: { collection_id: collectionId, filename: 'declared.mp4', size_bytes: 1000, content_type: 'video/mp4' },
  });
  if (response.status !== 201) throw new Error(`upload refused: ${response.status} ${response.text}`);
  return String(response.body.data.video_id);
}

/** 1.1 GB declared: 110 estimated minutes (4.18 $) are reserved from the 5 $ trial credit, crossing below 1 $ (credits.low). */
function declareLargeUpload(token: string, collectionId: string) {
  return api.post('/v1/uploads', {
    token,
    body: { collection_id: collectionId, filename: 'long.mp4', size_bytes: 1_100_000_000, content_type: 'video/mp4' },
  });
}

async function deliveriesOf(client: Client, token: string, webhookId: string): Promise<Json[]> {
  const response = await client.get(`/v1/webhooks/${webhookId}/deliveries`, { token });
  return list(response.body.data);
}

/** Polls the delivery log until `predicate` holds for its newest delivery. */
async function newestDeliveryWhen(token: string, webhookId: string, predicate: (delivery: Json) => boolean): Promise<Json> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [newest] = await deliveriesOf(api, token, webhookId);
    if (newest && predicate(newest)) return newest;
    if (Date.now() > deadline) throw new Error(`delivery never matched; last seen ${JSON.stringify(newest)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The clock of the last sweep this file ran: each later one must fall in a later minute, or the scheduler sees no new minute. */
let lastSweepMs = 0;

/** Moves the clock a minute past `instant` (and past the last sweep's minute) and runs the scheduler's tick: the every-minute sweep. */
async function runSweepAfter(instant: string | number): Promise<void> {
  const target = Math.max(new Date(instant).getTime() + 60_000, lastSweepMs + 60_000);
  lastSweepMs = target;
  useClock({ now: () => new Date(target) });
  await api.runtime().scheduler.tick();
}

describe('POST /v1/webhooks', () => {
  it('shows the whsec_ secret once; the list never carries it', async () => {
    const { token } = await signUp(api);

    const created = await api.post('/v1/webhooks', { token, body: { url: `${receiver.origin}/once`, events: ['job.completed', 'job.failed'] } });
    const listed = await api.get('/v1/webhooks', { token });

    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({
      id: expect.stringMatching(/^wh_[0-9a-z]{26}$/),
      url: `${receiver.origin}/once`,
      events: ['job.completed', 'job.failed'],
      is_active: true,
      created_at: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
    });
    const { secret: _secret, ...withoutSecret } = created.body.data;
    expect(list(listed.body.data)).toEqual([withoutSecret]);
    expect(listed.body.meta).toMatchObject({ default_secret_set: false });
    expect(listed.text).not.toContain(String(created.body.data.secret));
  });

  it('refuses a private, loopback or metadata address at create (422 on url)', async () => {
    const { token } = await signUp(api);

    const responses = await Promise.all(
      ['http://169.254.169.254/latest/meta-data/', 'http://10.1.2.3/hook', 'http://127.0.0.1:1/hook', 'ftp://example.com/hook'].map((url) =>
        api.post('/v1/webhooks', { token, body: { url } }),
      ),
    );

    expect(responses.map((response) => response.status)).toEqual([422, 422, 422, 422]);
    for (const response of responses) expect(errorOf(response)).toMatchObject({ code: 'VALIDATION_ERROR', fields: [expect.objectContaining({ path: 'url' })] });
  });

  it('caps endpoints at the plan limit (Free: 3); a deleted one frees its slot', async () => {
    const { token } = await signUp(api);
    const endpoints = [];
    for (let index = 0; index < 3; index += 1) endpoints.push(await createEndpoint(token, freshPath('cap')));

    const fourth = await api.post('/v1/webhooks', { token, body: { url: `${receiver.origin}/fourth` } });
    const deleted = await api.delete(`/v1/webhooks/${endpoints[0]?.id}`, { token });
    const afterDelete = await api.post('/v1/webhooks', { token, body: { url: `${receiver.origin}/fourth` } });

    expect(fourth.status).toBe(402);
    expect(errorOf(fourth)).toMatchObject({ code: 'WEBHOOK_LIMIT_REACHED', limit: 3 });
    expect(deleted.status).toBe(204);
    expect(afterDelete.status).toBe(201);
  });
});

describe('POST /v1/webhooks under concurrency', () => {
  it('never exceeds the cap when creates race', async () => {
    const { token } = await signUp(api);

    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, index) => api.post('/v1/webhooks', { token, body: { url: `${receiver.origin}/race-${index}` } })),
    );

    expect(responses.filter((response) => response.status === 201)).toHaveLength(3);
    expect(responses.filter((response) => response.status === 402)).toHaveLength(3);
  });
});

describe('another account', () => {
  it('sees WEBHOOK_NOT_FOUND for every route of an endpoint it does not own', async () => {
    const owner = await signUp(api);
    const stranger = await signUp(api);
    const { id } = await createEndpoint(owner.token, freshPath('owned'));
    const ping = await api.post(`/v1/webhooks/${id}/test`, { token: owner.token });
    const deliveryId = String(ping.body.data.delivery_id);

    const answers = await Promise.all([
      api.patch(`/v1/webhooks/${id}`, { token: stranger.token, body: { is_active: false } }),
      api.delete(`/v1/webhooks/${id}`, { token: stranger.token }),
      api.post(`/v1/webhooks/${id}/test`, { token: stranger.token }),
      api.post(`/v1/webhooks/${id}/rotate_secret`, { token: stranger.token }),
      api.get(`/v1/webhooks/${id}/deliveries`, { token: stranger.token }),
      api.post(`/v1/webhooks/${id}/deliveries/${deliveryId}/retry`, { token: stranger.token }),
    ]);
    const strangersList = await api.get('/v1/webhooks', { token: stranger.token });

    expect(answers.map((answer) => [answer.status, errorOf(answer).code])).toEqual(Array(6).fill([404, 'WEBHOOK_NOT_FOUND']));
    expect(list(strangersList.body.data)).toEqual([]);
  });
});

describe('POST /v1/webhooks/{id}/test', () => {
  it('sends a signed webhook.ping that the documented verifier accepts, and logs it', async () => {
    const { token } = await signUp(api);
    const path = freshPath('ping');
    const { id } = await createEndpoint(token, path);

    const response = await api.post(`/v1/webhooks/${id}/test`, { token });
    const [ping] = await receiver.waitFor(path, 1);
    const delivery = await newestDeliveryWhen(token, id, (candidate) => String(candidate.status) === 'delivered');

    expect(response.status).toBe(202);
    expect(response.body.data).toEqual({ delivery_id: expect.stringMatching(/^del_/), status: 'queued' });
    expect(ping?.body).toEqual({ id: expect.stringMatching(/^evt_/), event: 'webhook.ping', created_at: expect.any(String), data: { webhook_id: id } });
    expect(ping?.headers['frameseek-event-id']).toBe(ping?.body.id);
    expect(ping?.headers['frameseek-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(ping?.verifiedWith).toEqual([true]);
    expect(delivery).toMatchObject({ id: response.body.data.delivery_id, event: 'webhook.ping', attempt_count: 1, last_status_code: 200, last_error: null });
  });

  it('a replayed body with an old timestamp is rejected by the documented verifier', async () => {
    const { token } = await signUp(api);
    const path = freshPath('replay');
    const { id, secret } = await createEndpoint(token, path);

    await api.post(`/v1/webhooks/${id}/test`, { token });
    const [original] = await receiver.waitFor(path, 1);
    const header = original?.headers['frameseek-signature'] ?? '';
    const sentAt = Number(/t=(\d+)/.exec(header)?.[1]);

    expect(verifyFrameseekSignature(original?.rawBody ?? '', header, secret, { nowSecs: sentAt + 10 })).toBe(true);
    expect(verifyFrameseekSignature(original?.rawBody ?? '', header, secret, { nowSecs: sentAt + 301 })).toBe(false);
    expect(verifyFrameseekSignature(`${original?.rawBody ?? ''} `, header, secret, { nowSecs: sentAt })).toBe(false);
  });
});

describe('delivery of outbox events', () => {
  it('delivers video.created to active subscribers only: a paused endpoint and one filtering other events receive nothing', async () => {
    const { token } = await signUp(api);
    const [activePath, pausedPath, otherEventsPath] = [freshPath('active'), freshPath('paused'), freshPath('other')];
    await createEndpoint(token, activePath, { events: ['video.created', 'video.deleted'] });
    const paused = await createEndpoint(token, pausedPath);
    const otherEvents = await createEndpoint(token, otherEventsPath, { events: ['credits.low'] });
    const pause = await api.patch(`/v1/webhooks/${paused.id}`, { token, body: { is_active: false } });

    const videoId = await declareUpload(token, await collectionOf(token));
    const [created] = await receiver.waitFor(activePath, 1);
    await api.delete(`/v1/videos/${videoId}`, { token });
    const [, deleted] = await receiver.waitFor(activePath, 2);
    await api.runtime().scheduler.tick();

    expect(pause.body.data).toMatchObject({ id: paused.id, is_active: false });
    expect(created?.body).toMatchObject({
      id: expect.stringMatching(/^evt_/),
      event: 'video.created',
      data: { id: videoId, status: 'uploading', filename: 'declared.mp4' },
    });
    expect(created?.verifiedWith).toEqual([true]);
    expect(deleted?.body).toMatchObject({ event: 'video.deleted', data: { id: videoId } });
    expect(receiver.received.filter((request) => request.path === pausedPath || request.path === otherEventsPath)).toEqual([]);
    expect(await deliveriesOf(api, token, paused.id)).toEqual([]);
    expect(await deliveriesOf(api, token, otherEvents.id)).toEqual([]);
  });

  it('retries a receiver that answers 500 three times with backoff, delivers on the 4th attempt, logs all four; a manual retry redelivers', async () => {
    const { token } = await signUp(api);
    const path = freshPath('flaky');
    receiver.script(path, [500, 500, 500, 200]);
    const { id } = await createEndpoint(token, path, { events: ['video.created'] });

    await declareUpload(token, await collectionOf(token));
    let delivery = await newestDeliveryWhen(token, id, (candidate) => Number(candidate.attempt_count) === 1);
    const waits: number[] = [];
    for (let attempt = 2; attempt <= 4; attempt += 1) {
      const nextAttemptAt = String(delivery.next_attempt_at);
      waits.push(new Date(nextAttemptAt).getTime() - new Date(String(list(delivery.attempts).at(-1)?.at)).getTime());
      await runSweepAfter(nextAttemptAt);
      delivery = await newestDeliveryWhen(token, id, (candidate) => Number(candidate.attempt_count) === attempt);
    }
    const retry = await api.post(`/v1/webhooks/${id}/deliveries/${delivery.id}/retry`, { token });
    const requests = await receiver.waitFor(path, 5);
    const afterRetry = await newestDeliveryWhen(token, id, (candidate) => Number(candidate.attempt_count) === 5);

    expect(requests.map((request) => request.answered)).toEqual([500, 500, 500, 200, 200]);
    expect(new Set(requests.map((request) => request.body.id)).size).toBe(1);
    expect(requests.every((request) => request.verifiedWith[0] === true)).toBe(true);
    expect(delivery).toMatchObject({ status: 'delivered', attempt_count: 4, last_status_code: 200, next_attempt_at: null, delivered_at: expect.any(String) });
    expect(list(delivery.attempts).map((attempt) => attempt.status_code)).toEqual([500, 500, 500, 200]);
    // Exponential: 30 s, 60 s, 120 s, each within ±20 % jitter.
    expect(waits.map((wait, index) => wait / (30_000 * 2 ** index))).toEqual(waits.map(() => expect.closeTo(1, 0.21)));
    expect(retry.status).toBe(202);
    expect(afterRetry).toMatchObject({ status: 'delivered', attempt_count: 5 });
  });

  it('refuses to send to an address that now resolves to a metadata address: logged as refused and retried', async () => {
    const { token, accountId } = await signUp(api);
    const { id } = await createEndpoint(token, freshPath('moved'));
    // Stands in for DNS changing after the create-time check: the stored address now points at the metadata service.
    // (The table client is loaded here, not at the top: it reads the configuration, which the runtime sets first.)
    const { db, tableName } = await import('#lib/db/client');
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.webhookEndpoint(accountId, id),
        UpdateExpression: 'SET #url = :url',
        ExpressionAttributeNames: { '#url': 'url' },
        ExpressionAttributeValues: { ':url': 'http://169.254.169.254/latest/meta-data/' },
      }),
    );

    await api.post(`/v1/webhooks/${id}/test`, { token });
    const delivery = await newestDeliveryWhen(token, id, (candidate) => Number(candidate.attempt_count) === 1);

    expect(delivery).toMatchObject({ status: 'pending', last_status_code: null, last_error: expect.stringMatching(/^refused: the URL points to a private/) });
    expect(String(delivery.next_attempt_at) > String(list(delivery.attempts)[0]?.at)).toBe(true);
  });

  it('sends a first attempt whose queue message was lost once the sweep takes it over (a minute later)', async () => {
    const { token } = await signUp(api);
    const path = freshPath('lost');
    const { id } = await createEndpoint(token, path, { events: ['video.created'] });
    // Loaded here: the fault switches read the configuration, which the runtime sets first.
    const { armFault, disarmFault } = await import('#lib/faults');
    armFault('webhook_dispatch_lost');

    try {
      await declareUpload(token, await collectionOf(token));
      const waiting = await newestDeliveryWhen(token, id, (candidate) => String(candidate.status) === 'pending');
      await api.runtime().scheduler.tick();
      const beforeLease = receiver.received.filter((request) => request.path === path).length;
      await runSweepAfter(Date.now());
      const [arrived] = await receiver.waitFor(path, 1);

      expect(waiting.attempt_count).toBe(0);
      expect(beforeLease).toBe(0);
      expect(arrived?.body.event).toBe('video.created');
    } finally {
      disarmFault('webhook_dispatch_lost');
    }
  });

  it('delivers credits.low, written with the debit that crossed below $1, at once', async () => {
    const { token } = await signUp(api);
    const path = freshPath('credits');
    const { id } = await createEndpoint(token, path, { events: ['credits.low'] });

    const upload = await declareLargeUpload(token, await collectionOf(token));
    const [low] = await receiver.waitFor(path, 1);
    const delivery = await newestDeliveryWhen(token, id, (candidate) => String(candidate.status) === 'delivered');

    expect(upload.status).toBe(201);
    expect(low?.body).toEqual({
      id: expect.stringMatching(/^evt_/),
      event: 'credits.low',
      created_at: expect.any(String),
      data: { credits_micros: 820_000, threshold_micros: 1_000_000 },
    });
    expect(low?.verifiedWith).toEqual([true]);
    expect(delivery).toMatchObject({ event: 'credits.low', attempt_count: 1 });
  });

  it('fans out an event whose announcement was lost at the next every-minute sweep', async () => {
    const { token } = await signUp(api);
    const path = freshPath('unannounced');
    await createEndpoint(token, path, { events: ['credits.low'] });
    const collectionId = await collectionOf(token);
    // Loaded here: the fault switches read the configuration, which the runtime sets first.
    const { armFault, disarmFault } = await import('#lib/faults');
    armFault('event_announcement_lost');

    try {
      await declareLargeUpload(token, collectionId);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const beforeSweep = receiver.received.filter((request) => request.path === path).length;
      await runSweepAfter(Date.now());
      const [low] = await receiver.waitFor(path, 1);

      expect(beforeSweep).toBe(0);
      expect(low?.body.event).toBe('credits.low');
    } finally {
      disarmFault('event_announcement_lost');
    }
  });

  it('rotating a secret signs with both for 24 h: receivers on the old or the new secret verify', async () => {
    const { token } = await signUp(api);
    const path = freshPath('rotate');
    const { id, secret: oldSecret } = await createEndpoint(token, path);

    const rotated = await api.post(`/v1/webhooks/${id}/rotate_secret`, { token });
    receiver.trust(path, oldSecret, String(rotated.body.data.secret));
    await api.post(`/v1/webhooks/${id}/test`, { token });
    const [ping] = await receiver.waitFor(path, 1);

    expect(rotated.status).toBe(200);
    expect(rotated.body.data).toEqual({ secret: expect.stringMatching(/^whsec_/), previous_secret_expires_at: expect.any(String) });
    expect(ping?.headers['frameseek-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(ping?.verifiedWith).toEqual([true, true]);
  });

  it('upload → job.completed reaches the endpoint and the upload’s webhook_url (signed with the default secret)', { timeout: 180_000 }, async () => {
    const { token } = await signUp(api);
    const [endpointPath, uploadPath] = [freshPath('jobs'), freshPath('upload-url')];
    await createEndpoint(token, endpointPath, { events: ['job.completed'] });
    const defaultSecret = await api.post('/v1/webhooks/default_secret', { token });
    receiver.trust(uploadPath, String(defaultSecret.body.data.secret));
    const bytes = await media('clip.mp4');

    const ticket = await api.post('/v1/uploads', {
      token,
      body: {
        collection_id: await collectionOf(token),
        filename: 'clip.mp4',
        size_bytes: bytes.length,
        content_type: 'video/mp4',
        webhook_url: `${receiver.origin}${uploadPath}`,
      },
    });
    await fetch(String(ticket.body.data.url), { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'video/mp4' } });
    const job = await finishedJob(api, token, String(ticket.body.data.job_id));
    const [toEndpoint] = await receiver.waitFor(endpointPath, 1);
    const [toUpload] = await receiver.waitFor(uploadPath, 1);
    const listed = await api.get('/v1/webhooks', { token });

    expect(job).toMatchObject({ status: 'done' });
    expect(toEndpoint?.body).toEqual({ id: expect.stringMatching(/^evt_/), event: 'job.completed', created_at: expect.any(String), data: job });
    expect(toEndpoint?.verifiedWith).toEqual([true]);
    expect(toUpload?.body.id).toBe(toEndpoint?.body.id);
    expect(toUpload?.verifiedWith).toEqual([true]);
    expect(listed.body.meta).toMatchObject({ default_secret_set: true });
  });
});

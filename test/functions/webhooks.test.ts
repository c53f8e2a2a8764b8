import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nowMs, useClock, useSystemClock } from '#lib/clock';
import { keys } from '#lib/db/keys';
import { verifyFrameseekSignature } from '#lib/webhooks/verify';
import { createKey, errorOf, finishedJob, list, PASSWORD, signUp, useTestApi, type Client, type Json } from '#test/support/api';
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
// The tests run the every-minute sweep themselves (runSweepAfter, tick); the scheduler's own real-time timer would also
// run it at a random moment of a test that counts what arrived before its sweep (this file runs for minutes).
beforeAll(() => api.runtime().scheduler.stop());

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

/** The raw table item (loaded here: the table client reads the configuration, which the runtime sets first). */
async function storedItem(key: { PK: string; SK: string }): Promise<Record<string, unknown> | undefined> {
  const { db, tableName } = await import('#lib/db/client');
  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  return (await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
}

/** Every item of the account's partition whose sort key starts with `prefix`. */
async function storedItemsOf(accountId: string, prefix: string): Promise<Array<Record<string, unknown>>> {
  const { db, tableName } = await import('#lib/db/client');
  const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
  const page = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.account(accountId).PK, ':prefix': prefix },
      ConsistentRead: true,
    }),
  );
  return page.Items ?? [];
}

describe('video events', () => {
  it('carry what GET /v1/videos/{id} answers for the video (video.created and video.deleted)', async () => {
    const { token } = await signUp(api);
    const path = freshPath('video-shape');
    await createEndpoint(token, path, { events: ['video.created', 'video.deleted'] });

    const videoId = await declareUpload(token, await collectionOf(token));
    const [created] = await receiver.waitFor(path, 1);
    const described = await api.get(`/v1/videos/${videoId}`, { token });
    await api.delete(`/v1/videos/${videoId}`, { token });
    const [, deleted] = await receiver.waitFor(path, 2);

    expect(described.body.data).toMatchObject({ id: videoId, status: 'uploading', playback_url: null, progress_pct: 0, segments_count: 0 });
    expect(created?.body.data).toEqual(described.body.data);
    expect(deleted?.body).toMatchObject({ event: 'video.deleted' });
    expect(deleted?.body.data).toEqual(described.body.data);
  });

  it('DELETE /v1/collections/{id} sends video.deleted for each video it removes, once', async () => {
    const { token } = await signUp(api);
    const path = freshPath('collection-delete');
    await createEndpoint(token, path, { events: ['video.deleted'] });
    const collectionId = await collectionOf(token);
    const videoIds = [await declareUpload(token, collectionId), await declareUpload(token, collectionId)];
    const described = await Promise.all(videoIds.map((videoId) => api.get(`/v1/videos/${videoId}`, { token })));

    const deletion = await api.delete(`/v1/collections/${collectionId}`, { token });
    const deleted = await receiver.waitFor(path, 2);
    await runSweepAfter(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(deletion.status).toBe(204);
    expect(deleted.map((request) => request.body.event)).toEqual(['video.deleted', 'video.deleted']);
    expect(new Set(deleted.map((request) => request.body.data.id))).toEqual(new Set(videoIds));
    expect(deleted.map((request) => request.body.data).sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual(
      described.map((response) => response.body.data).sort((a, b) => String(a.id).localeCompare(String(b.id))),
    );
    expect(receiver.received.filter((request) => request.path === path)).toHaveLength(2);
  });

  it('DELETE /v1/account sends nothing (its endpoints go first) and removes its outbox and delivery log', async () => {
    const { token, accountId } = await signUp(api);
    const path = freshPath('account-delete');
    await createEndpoint(token, path);
    await declareUpload(token, await collectionOf(token));
    await receiver.waitFor(path, 1);
    const before = { events: await storedItemsOf(accountId, 'EVT#'), deliveries: await storedItemsOf(accountId, 'WHDEL#') };

    const deletion = await api.delete('/v1/account', { token, body: { password: PASSWORD } });
    await runSweepAfter(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(deletion.status).toBe(202);
    expect(before.events.length).toBeGreaterThan(0);
    expect(before.deliveries.length).toBeGreaterThan(0);
    expect(receiver.received.filter((request) => request.path === path).map((request) => request.body.event)).toEqual(['video.created']);
    expect(await storedItemsOf(accountId, 'EVT#')).toEqual([]);
    expect(await storedItemsOf(accountId, 'WHDEL#')).toEqual([]);
  });
});

describe('a paused endpoint', () => {
  it('holds a retry that comes due while paused (no attempt made or counted) and sends it once re-activated', async () => {
    // An API key: a session would expire over the days the clock moves.
    const { key: token } = await createKey(api, (await signUp(api)).token);
    const path = freshPath('paused-retry');
    receiver.script(path, [500, 200]);
    const { id } = await createEndpoint(token, path, { events: ['video.created'] });
    await declareUpload(token, await collectionOf(token));
    const failedOnce = await newestDeliveryWhen(token, id, (candidate) => Number(candidate.attempt_count) === 1);

    await api.patch(`/v1/webhooks/${id}`, { token, body: { is_active: false } });
    await runSweepAfter(String(failedOnce.next_attempt_at));
    const held = await newestDeliveryWhen(token, id, (candidate) => candidate.next_attempt_at === null);
    await runSweepAfter(Date.now() + 2 * 24 * 60 * 60 * 1000);
    const stillHeld = (await deliveriesOf(api, token, id))[0];
    const requestsWhilePaused = receiver.received.filter((request) => request.path === path).length;
    const resumed = await api.patch(`/v1/webhooks/${id}`, { token, body: { is_active: true } });
    await runSweepAfter(Date.now() + 2 * 24 * 60 * 60 * 1000);
    const delivered = await newestDeliveryWhen(token, id, (candidate) => String(candidate.status) === 'delivered');

    expect(held).toMatchObject({ status: 'pending', attempt_count: 1, next_attempt_at: null, last_status_code: 500 });
    expect(stillHeld).toMatchObject({ status: 'pending', attempt_count: 1, next_attempt_at: null });
    expect(requestsWhilePaused).toBe(1);
    expect(resumed.body.data).toMatchObject({ is_active: true });
    expect(delivered).toMatchObject({ status: 'delivered', attempt_count: 2, last_status_code: 200 });
    expect((await receiver.waitFor(path, 2)).map((request) => request.answered)).toEqual([500, 200]);
  });
});

describe('fan-out at the plan cap', () => {
  /** The first request of each delivery on `path` once `count` deliveries arrived (at least once: one may come twice). */
  async function distinctDeliveriesOn(path: string, count: number, timeoutMs: number) {
    const firstOfEach = () => [
      ...new Map(receiver.received.filter((request) => request.path === path).map((request) => [request.headers['frameseek-delivery-id'], request])).values(),
    ];
    const deadline = Date.now() + timeoutMs;
    while (firstOfEach().length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    return firstOfEach();
  }

  /** An Enterprise account with its 100 endpoints for video.created, all on one receiver path that trusts every secret. */
  async function enterpriseAtCap(name: string): Promise<{ token: string; accountId: string; path: string }> {
    const { token, email, accountId } = await signUp(api);
    const { setPlanByEmail } = await import('#lib/billing/admin');
    await setPlanByEmail(email, 'enterprise');
    const path = freshPath(name);
    const secrets: string[] = [];
    for (let index = 0; index < 100; index += 1) {
      const response = await api.post('/v1/webhooks', { token, body: { url: `${receiver.origin}${path}`, events: ['video.created'] } });
      secrets.push(String(response.body.data.secret));
    }
    receiver.trust(path, ...secrets);
    return { token, accountId, path };
  }

  it('delivers every event to each of Enterprise’s 100 endpoints (more than one transaction holds)', { timeout: 120_000 }, async () => {
    const { token, path } = await enterpriseAtCap('many');
    const overCap = await api.post('/v1/webhooks', { token, body: { url: `${receiver.origin}${path}` } });
    const collectionId = await collectionOf(token);

    const videoIds = [await declareUpload(token, collectionId), await declareUpload(token, collectionId), await declareUpload(token, collectionId)];
    const firstOfEach = await distinctDeliveriesOn(path, 300, 90_000);
    const requests = receiver.received.filter((request) => request.path === path);

    expect(errorOf(overCap)).toMatchObject({ code: 'WEBHOOK_LIMIT_REACHED' });
    expect(firstOfEach).toHaveLength(300);
    for (const videoId of videoIds) {
      expect(firstOfEach.filter((request) => request.body.data.id === videoId)).toHaveLength(100);
    }
    expect(requests.every((request) => request.verifiedWith.includes(true))).toBe(true);
  });

  it('a fan-out interrupted after writing its deliveries is finished by the sweep without writing any twice', { timeout: 120_000 }, async () => {
    const { token, accountId, path } = await enterpriseAtCap('interrupted');
    const collectionId = await collectionOf(token);
    const { armFault, disarmFault } = await import('#lib/faults');
    armFault('webhook_fan_out_interrupted');
    try {
      await declareUpload(token, collectionId);
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      disarmFault('webhook_fan_out_interrupted');
    }
    const beforeSweep = receiver.received.filter((request) => request.path === path).length;
    const [pendingEvent] = await storedItemsOf(accountId, 'EVT#');

    await runSweepAfter(Date.now());
    // The sweep's fan-out and its due list may both ask for an attempt of one delivery.
    const firstOfEach = await distinctDeliveriesOn(path, 100, 60_000);

    expect(beforeSweep).toBe(0);
    expect(pendingEvent).toMatchObject({ delivery: 'pending' });
    expect(await storedItemsOf(accountId, 'WHDEL#')).toHaveLength(100);
    expect(firstOfEach).toHaveLength(100);
    expect(await storedItemsOf(accountId, 'EVT#')).toEqual([expect.objectContaining({ delivery: 'fanned_out' })]);
  });
});

describe('the outbox', () => {
  it('an event written while no endpoint existed is fanned out by the sweep to nobody (an endpoint made later does not get it)', async () => {
    const { token: session, accountId } = await signUp(api);
    // An API key: the sweep's clock may run days ahead of a session's life (earlier tests moved it).
    const { key: token } = await createKey(api, session);
    const collectionId = await collectionOf(token);
    const { armFault, disarmFault } = await import('#lib/faults');
    armFault('event_announcement_lost');
    try {
      await declareUpload(token, collectionId);
    } finally {
      disarmFault('event_announcement_lost');
    }
    const path = freshPath('later-endpoint');
    const { id } = await createEndpoint(token, path);

    await runSweepAfter(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [event] = await storedItemsOf(accountId, 'EVT#');

    expect(event).toMatchObject({ event: 'video.created', delivery: 'fanned_out' });
    expect(event?.GSI1PK).toBeUndefined();
    expect(await deliveriesOf(api, token, id)).toEqual([]);
    expect(receiver.received.filter((request) => request.path === path)).toEqual([]);
  });

  it('expires an event still pending three days after it was written instead of delivering it late', async () => {
    const { token: session, accountId } = await signUp(api);
    // An API key: a session would expire over the days the clock moves.
    const { key: token } = await createKey(api, session);
    const path = freshPath('stale');
    const { id } = await createEndpoint(token, path);
    const { armFault, disarmFault } = await import('#lib/faults');
    armFault('event_announcement_lost');
    try {
      await declareUpload(token, await collectionOf(token));
    } finally {
      disarmFault('event_announcement_lost');
    }

    await runSweepAfter(Date.now() + 3 * 24 * 60 * 60 * 1000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [event] = await storedItemsOf(accountId, 'EVT#');

    expect(event).toMatchObject({ event: 'video.created', delivery: 'expired' });
    expect(event?.GSI1PK).toBeUndefined();
    expect(await deliveriesOf(api, token, id)).toEqual([]);
    expect(receiver.received.filter((request) => request.path === path)).toEqual([]);
  });

  it('outbox rows and deliveries carry a TTL 30 days out (DynamoDB removes them after their retention)', async () => {
    const { token, accountId } = await signUp(api);
    const path = freshPath('ttl');
    const { id } = await createEndpoint(token, path);

    await declareUpload(token, await collectionOf(token));
    const delivery = await newestDeliveryWhen(token, id, (candidate) => String(candidate.status) === 'delivered');
    const [event] = await storedItemsOf(accountId, 'EVT#');
    const stored = await storedItem(keys.webhookDelivery(accountId, id, String(delivery.id)));
    const thirtyDays = 30 * 24 * 60 * 60;

    expect(event?.expires_at).toBe(Math.floor(Date.parse(String(event?.created_at)) / 1000) + thirtyDays);
    expect(stored?.expires_at).toBe(Math.floor(Date.parse(String(delivery.created_at)) / 1000) + thirtyDays);
  });
});

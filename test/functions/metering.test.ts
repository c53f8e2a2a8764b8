import { afterEach, describe, expect, it } from 'vitest';
import { errorOf, list, PASSWORD, settledJob, signUp, useTestApi } from '#test/support/api';
import { media, type MediaName } from '#test/support/media';
import { credit, debit } from '#lib/billing/ledger';
import { expireTrialCredits } from '#lib/billing/trial';
import { useClock, useSystemClock } from '#lib/clock';
import { armFault, disarmFault } from '#lib/faults';
import { runDailyMaintenance } from '#lib/schedules/daily';

const api = useTestApi();
const TRIAL = 5_000_000;
const PER_MINUTE = 38_000;
const DAY = 24 * 60 * 60 * 1000;

afterEach(() => {
  useSystemClock();
  disarmFault('upload_interrupted');
});

function travel(offsetMs: number): void {
  useClock({ now: () => new Date(Date.now() + offsetMs) });
}

/** Sessions end after a while idle: after a jump in time a user signs in again. */
async function logIn(email: string): Promise<string> {
  const response = await api.post('/v1/auth/login', { body: { email, password: PASSWORD } });
  return String(response.body.data.session.token);
}

async function setUp(balanceMicros = TRIAL): Promise<{ token: string; accountId: string; collectionId: string }> {
  const { token, accountId } = await signUp(api);
  if (balanceMicros < TRIAL) await debit(accountId, TRIAL - balanceMicros, 'search', 'test: leave a smaller balance');
  const collection = await api.post('/v1/collections', { token, body: { name: 'metered' } });
  return { token, accountId, collectionId: String(collection.body.data.id) };
}

async function balance(token: string): Promise<number> {
  return Number((await api.get('/v1/account', { token })).body.data.credits_micros);
}

async function upload(token: string, collectionId: string, name: MediaName) {
  const bytes = await media(name);
  const ticket = await api.post('/v1/uploads', {
    token,
    body: { collection_id: collectionId, filename: name, size_bytes: bytes.length, content_type: 'video/mp4' },
  });
  return { ticket, bytes };
}

async function store(url: string, bytes: Buffer): Promise<void> {
  await fetch(url, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'video/mp4' } });
}

describe('indexing credit: reserved, re-made at ingest, released when no indexing will happen', () => {
  it('holds the estimate at upload creation, then re-makes it from the probed duration', async () => {
    const { token, collectionId } = await setUp();

    const { ticket, bytes } = await upload(token, collectionId, 'clip.mp4');
    const afterCreate = await balance(token);
    await store(String(ticket.body.data.url), bytes);
    await settledJob(api, token, String(ticket.body.data.job_id));
    const video = await api.get(`/v1/videos/${ticket.body.data.video_id}`, { token });
    const exact = Math.ceil((Math.ceil(Number(video.body.data.duration_secs)) * PER_MINUTE) / 60);
    const transactions = await api.get('/v1/billing/transactions', { token });

    expect(afterCreate).toBe(TRIAL - PER_MINUTE);
    expect(await balance(token)).toBe(TRIAL - exact);
    expect(list(transactions.body.data).map((row) => [row.type, row.amount_micros])).toEqual([
      ['refund', PER_MINUTE - exact],
      ['indexing', -PER_MINUTE],
      ['trial_credit', TRIAL],
    ]);
  });

  it('releases the hold of a refused file, an aborted upload and a deleted video', async () => {
    const { token, collectionId } = await setUp();
    const refused = await upload(token, collectionId, 'text.mp4');
    await store(String(refused.ticket.body.data.url), refused.bytes);
    const aborted = await upload(token, collectionId, 'clip.mp4');
    const deleted = await upload(token, collectionId, 'clip.mp4');

    await settledJob(api, token, String(refused.ticket.body.data.job_id));
    await api.delete(`/v1/uploads/${aborted.ticket.body.data.upload_id}`, { token });
    await api.delete(`/v1/videos/${deleted.ticket.body.data.video_id}`, { token });
    await api.delete(`/v1/videos/${deleted.ticket.body.data.video_id}`, { token });

    expect(await balance(token)).toBe(TRIAL);
  });

  it('answers INSUFFICIENT_CREDITS before any URL when the balance cannot hold the estimate, after the plan check', async () => {
    const { token, collectionId } = await setUp(10_000);

    const small = await upload(token, collectionId, 'clip.mp4');
    const overPlanToo = await api.post('/v1/uploads', {
      token,
      body: { collection_id: collectionId, filename: 'big.mp4', size_bytes: 600_000_000, content_type: 'video/mp4' },
    });

    expect(small.ticket.status).toBe(402);
    expect(errorOf(small.ticket).code).toBe('INSUFFICIENT_CREDITS');
    expect(small.ticket.body.data).toBeUndefined();
    expect(errorOf(overPlanToo).code).toBe('PLAN_LIMIT_EXCEEDED');
    expect((await api.get('/v1/videos', { token })).body.meta.total).toBe(0);
    expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe(0);
    expect(await balance(token)).toBe(10_000);
  });

  it('fails the job with INSUFFICIENT_CREDITS when the probed duration costs more than the balance holds', async () => {
    const { token, collectionId } = await setUp(50_000);
    const { ticket, bytes } = await upload(token, collectionId, 'long-small.mp4');

    await store(String(ticket.body.data.url), bytes);
    const job = await settledJob(api, token, String(ticket.body.data.job_id));

    expect(ticket.status).toBe(201);
    expect(job).toMatchObject({ status: 'failed', error_code: 'INSUFFICIENT_CREDITS' });
    expect(await balance(token)).toBe(50_000);
    expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe(0);
  });
});

describe('holds paid from trial credit give trial credit back', () => {
  /** $5 of trial credit and $1 of granted credit, which never expires. */
  const GRANTED = 1_000_000;

  async function withGrantedCredit(): Promise<{ token: string; email: string; collectionId: string }> {
    const { token, accountId, email } = await signUp(api);
    await credit(accountId, GRANTED, 'grant', 'test: lasting credit');
    const collection = await api.post('/v1/collections', { token, body: { name: 'trial-held' } });
    return { token, email, collectionId: String(collection.body.data.id) };
  }

  it('returns a released hold as trial credit, which then expires with the trial', async () => {
    const { token, email, collectionId } = await withGrantedCredit();
    const { ticket } = await upload(token, collectionId, 'clip.mp4');
    await api.delete(`/v1/uploads/${ticket.body.data.upload_id}`, { token });
    const afterRelease = await balance(token);

    travel(15 * DAY);
    await runDailyMaintenance();

    expect(afterRelease).toBe(TRIAL + GRANTED);
    // Had the hold come back as lasting credit, $0.038 would have outlived the trial.
    expect(await balance(await logIn(email))).toBe(GRANTED);
  });

  it('returns what settling to the probed duration gives back as trial credit too', async () => {
    const { token, email, collectionId } = await withGrantedCredit();
    const { ticket, bytes } = await upload(token, collectionId, 'clip.mp4');
    await store(String(ticket.body.data.url), bytes);
    await settledJob(api, token, String(ticket.body.data.job_id));

    travel(15 * DAY);
    await runDailyMaintenance();

    expect(await balance(await logIn(email))).toBe(GRANTED);
  });

  it('does not return the trial part of a hold released after the trial ended, and the ledger says so', async () => {
    const { token, email, collectionId } = await withGrantedCredit();
    const { ticket } = await upload(token, collectionId, 'clip.mp4');
    travel(15 * DAY);
    await expireTrialCredits();
    const session = await logIn(email);

    await api.delete(`/v1/uploads/${ticket.body.data.upload_id}`, { token: session });
    const rows = list((await api.get('/v1/billing/transactions', { token: session })).body.data);

    expect(await balance(session)).toBe(GRANTED);
    expect(rows[0]).toMatchObject({ type: 'refund', amount_micros: 0, balance_after_micros: GRANTED, description: expect.stringContaining('trial has ended') });
  });
});

describe('upload creation: the hold and the records are one transaction', () => {
  it('loses nothing when the process stops right after it: the daily sweep gives the hold and the storage back', async () => {
    const { token, email } = await signUp(api);
    const collectionId = String((await api.post('/v1/collections', { token, body: { name: 'interrupted' } })).body.data.id);
    armFault('upload_interrupted');

    const { ticket } = await upload(token, collectionId, 'clip.mp4');
    disarmFault('upload_interrupted');
    const heldBalance = await balance(token);
    const heldStorage = (await api.get('/v1/account', { token })).body.data.usage.storage_bytes;
    const videos = await api.get('/v1/videos', { token });
    travel(DAY + 60 * 60 * 1000);
    const tick = await api.runtime().scheduler.tick();
    const session = await logIn(email);
    const rows = list((await api.get('/v1/billing/transactions', { token: session })).body.data);

    expect([ticket.status, errorOf(ticket).code]).toEqual([500, 'INTERNAL_ERROR']);
    // Before the sweep the hold is visible, with the video that explains it.
    expect(heldBalance).toBe(TRIAL - PER_MINUTE);
    expect(heldStorage).toBeGreaterThan(0);
    expect(list(videos.body.data).map((video) => video.status)).toEqual(['uploading']);
    expect(tick).toBe('ran');
    expect(await balance(session)).toBe(TRIAL);
    expect((await api.get('/v1/account', { token: session })).body.data.usage.storage_bytes).toBe(0);
    expect((await api.get('/v1/videos', { token: session })).body.meta.total).toBe(0);
    expect(rows.map((row) => [row.type, row.amount_micros])).toEqual([
      ['refund', PER_MINUTE],
      ['indexing', -PER_MINUTE],
      ['trial_credit', TRIAL],
    ]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createKey, signUp, useTestApi } from '#test/support/api';
import { media } from '#test/support/media';
import { useClock, useSystemClock } from '#lib/clock';

const api = useTestApi();
const HOUR = 60 * 60 * 1000;

afterEach(() => useSystemClock());

describe('daily maintenance (the local scheduler runs the same handler as EventBridge)', () => {
  it('leaves uploads that are still within their time alone', async () => {
    const { token } = await signUp(api);
    const { key } = await createKey(api, token);
    const collection = await api.post('/v1/collections', { token: key, body: { name: 'fresh' } });
    // The scheduler runs at the first tick of a new UTC day: start the upload an hour before the next
    // midnight and tick an hour after it, whatever the time of day the suite runs at.
    const nextUtcMidnight = new Date().setUTCHours(24, 0, 0, 0);
    useClock({ now: () => new Date(nextUtcMidnight - HOUR) });
    const ticket = await api.post('/v1/uploads', {
      token: key,
      body: { collection_id: collection.body.data.id, filename: 'a.mp4', size_bytes: 1000, content_type: 'video/mp4' },
    });

    useClock({ now: () => new Date(nextUtcMidnight + HOUR) });
    const tick = await api.runtime().scheduler.tick();

    expect(tick).toBe('ran');
    expect((await api.get(`/v1/uploads/${ticket.body.data.upload_id}`, { token: key })).body.data.status).toBe('awaiting_bytes');
  });
  it('expires uploads that never completed: parts freed, storage released, session says expired', async () => {
    const { token } = await signUp(api);
    const { key } = await createKey(api, token);
    const collection = await api.post('/v1/collections', { token: key, body: { name: 'stale' } });
    const bytes = await media('large.mp4');
    const ticket = await api.post('/v1/uploads', {
      token: key,
      body: { collection_id: collection.body.data.id, filename: 'large.mp4', size_bytes: bytes.length, content_type: 'video/mp4' },
    });
    const [firstPart] = ticket.body.data.multipart.parts as unknown as Array<{ url: string }>;
    await fetch(String(firstPart?.url), { method: 'PUT', body: new Uint8Array(bytes.subarray(0, Number(ticket.body.data.multipart.part_size))) });
    const reserved = (await api.get('/v1/account', { token: key })).body.data.usage.storage_bytes;

    // Two days on: past the 24 h upload lifetime, and a new UTC day after the previous test's run.
    useClock({ now: () => new Date(Date.now() + 49 * HOUR) });
    const firstTick = await api.runtime().scheduler.tick();
    const upload = await api.get(`/v1/uploads/${ticket.body.data.upload_id}`, { token: key });
    const account = await api.get('/v1/account', { token: key });
    const secondTick = await api.runtime().scheduler.tick();
    const afterSecondTick = await api.get('/v1/account', { token: key });

    expect([firstTick, secondTick]).toEqual(['ran', 'not_due']);
    expect(reserved).toBe(bytes.length);
    expect(upload.body.data.status).toBe('expired');
    expect(account.body.data.usage.storage_bytes).toBe(0);
    expect(afterSecondTick.body.data.usage.storage_bytes).toBe(0);
    expect((await api.get(`/v1/videos/${ticket.body.data.video_id}`, { token: key })).status).toBe(404);
    expect((await api.get(`/v1/collections/${collection.body.data.id}`, { token: key })).body.data.video_count).toBe(0);
  });
});

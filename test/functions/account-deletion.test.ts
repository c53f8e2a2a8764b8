import { afterEach, describe, expect, it, vi } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createKey, errorOf, PASSWORD, settledJob, signUp, useTestApi } from '#test/support/api';
import { media } from '#test/support/media';
import { armFault, disarmFault } from '#lib/faults';
import { useClock, useSystemClock } from '#lib/clock';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { queryPrefixNewestFirst } from '#lib/db/query';

const api = useTestApi();
afterEach(() => useSystemClock());

/** An account with a key, a second session, a collection and an ingested video. */
async function populatedAccount() {
  const { token, accountId, email } = await signUp(api);
  const { key } = await createKey(api, token);
  const otherSession = String((await api.post('/v1/auth/login', { body: { email, password: PASSWORD } })).body.data.session.token);
  const collection = await api.post('/v1/collections', { token, body: { name: 'mine' } });
  const bytes = await media('clip.mp4');
  const ticket = await api.post('/v1/uploads', {
    token,
    body: { collection_id: collection.body.data.id, filename: 'clip.mp4', size_bytes: bytes.length, content_type: 'video/mp4' },
  });
  await fetch(String(ticket.body.data.url), { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'video/mp4' } });
  await settledJob(api, token, String(ticket.body.data.job_id));
  const playbackUrl = String((await api.get(`/v1/videos/${ticket.body.data.video_id}`, { token })).body.data.playback_url);
  return { token, key, otherSession, accountId, email, collectionId: String(collection.body.data.id), playbackUrl };
}

describe('DELETE /v1/account', () => {
  it('refuses every key and session at once, removes the data and keeps the ledger without the email', async () => {
    const account = await populatedAccount();

    const response = await api.delete('/v1/account', { token: account.token, body: { password: PASSWORD } });
    const bySession = await api.get('/v1/account', { token: account.otherSession });
    const byKey = await api.get('/v1/collections', { token: account.key });
    const login = await api.post('/v1/auth/login', { body: { email: account.email, password: PASSWORD } });
    const fresh = await api.post('/v1/auth/signup', { body: { email: account.email, password: PASSWORD } });

    expect(response.status).toBe(202);
    expect(response.body.data).toEqual({ deletion_id: expect.stringMatching(/^del_/) });
    expect([bySession.status, errorOf(bySession).code]).toEqual([401, 'SESSION_EXPIRED']);
    expect([byKey.status, errorOf(byKey).code]).toEqual([401, 'INVALID_API_KEY']);
    expect(login.status).toBe(401);
    expect(fresh.status).toBe(201);
    expect(fresh.body.data.account.id).not.toBe(account.accountId);
    // The data goes in the background sweep.
    await vi.waitFor(
      async () =>
        expect((await db.send(new GetCommand({ TableName: tableName, Key: keys.account(account.accountId) }))).Item).toMatchObject({ status: 'deleted' }),
      { timeout: 30_000, interval: 200 },
    );
    expect((await fetch(account.playbackUrl)).status).toBe(404);
    const stored = await db.send(new GetCommand({ TableName: tableName, Key: keys.account(account.accountId) }));
    expect(stored.Item).toMatchObject({ status: 'deleted', email: `deleted:${account.accountId}` });
    expect(stored.Item?.password_hash).toBeUndefined();
    expect(await db.send(new GetCommand({ TableName: tableName, Key: keys.collection(account.accountId, account.collectionId) }))).not.toHaveProperty('Item');
    const ledger = await queryPrefixNewestFirst(tableName, keys.ledgerOf(account.accountId).PK, keys.ledgerOf(account.accountId).SKPrefix);
    expect(ledger.length).toBeGreaterThan(0);
  });

  it('needs the password, and a session: nothing changes otherwise', async () => {
    const { token } = await signUp(api);
    const { key } = await createKey(api, token);

    const wrongPassword = await api.delete('/v1/account', { token, body: { password: 'not my password at all' } });
    const withKey = await api.delete('/v1/account', { token: key, body: { password: PASSWORD } });
    const noBody = await api.delete('/v1/account', { token });

    expect([wrongPassword.status, errorOf(wrongPassword).code]).toEqual([403, 'FORBIDDEN']);
    expect([withKey.status, errorOf(withKey).code]).toEqual([403, 'FORBIDDEN']);
    expect([noBody.status, errorOf(noBody).code]).toEqual([422, 'VALIDATION_ERROR']);
    expect((await api.get('/v1/account', { token })).status).toBe(200);
  });

  it('is resumable: an interrupted sweep is finished by the daily run', async () => {
    const account = await populatedAccount();
    armFault('account_sweep_interrupted');

    const response = await api.delete('/v1/account', { token: account.token, body: { password: PASSWORD } });
    // The local runtime's three tries of the background sweep (0, +0.5 s, +1.5 s) all meet the fault.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    disarmFault('account_sweep_interrupted');
    const refused = await api.get('/v1/collections', { token: account.key });
    const leftBehind = await db.send(new GetCommand({ TableName: tableName, Key: keys.collection(account.accountId, account.collectionId) }));
    useClock({ now: () => new Date(Date.now() + 24 * 60 * 60 * 1000) });
    const tick = await api.runtime().scheduler.tick();

    expect(response.status).toBe(202);
    expect(refused.status).toBe(401);
    expect(leftBehind.Item).toBeDefined();
    expect(tick).toBe('ran');
    expect(await db.send(new GetCommand({ TableName: tableName, Key: keys.collection(account.accountId, account.collectionId) }))).not.toHaveProperty('Item');
    expect((await db.send(new GetCommand({ TableName: tableName, Key: keys.account(account.accountId) }))).Item?.status).toBe('deleted');
    expect((await fetch(account.playbackUrl)).status).toBe(404);
    // A populated account, the runtime's three tries and a daily run: slow on a loaded machine.
  }, 90_000);
});

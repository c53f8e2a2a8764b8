import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '#functions/routes';
import { createKey, errorOf, list, signUp, useTestApi } from '#test/support/api';

const api = useTestApi();

/** A route's path with each `{param}` filled by an id of the right kind that no account owns. */
function pathOf(template: string): string {
  return template.replace(/\{(\w+)\}/g, (_whole, param: string) => `${param.split('_')[0]}_01HZZZZZZZZZZZZZZZZZZZZZZZ`);
}

const keyRoutes = Object.values(routes).filter((route) => route.auth === 'key');

describe('POST /v1/api_keys', () => {
  it('shows the secret once, and only its prefix afterwards', async () => {
    const { token } = await signUp(api);

    const created = await api.post('/v1/api_keys', { token, body: { name: 'laptop', permissions: 'read_only' } });
    const listed = await api.get('/v1/api_keys', { token });

    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({
      id: expect.stringMatching(/^key_[0-9a-z]{26}$/),
      name: 'laptop',
      prefix: String(created.body.data.key).slice(0, 12),
      permissions: 'read_only',
      created_at: expect.any(String),
      last_used_at: null,
      revoked_at: null,
      key: expect.stringMatching(/^fsk_[A-Za-z0-9_-]{43}$/),
    });
    const { key: _secret, ...withoutSecret } = created.body.data;
    expect(list(listed.body.data)).toEqual([withoutSecret]);
    expect(listed.text).not.toContain(String(created.body.data.key));
  });

  it('caps active keys at the plan limit (Free: 1), and a revoked key frees its slot', async () => {
    const { token } = await signUp(api);
    const first = await createKey(api, token);

    const second = await api.post('/v1/api_keys', { token, body: { name: 'second' } });
    await api.delete(`/v1/api_keys/${first.id}`, { token });
    const afterRevoke = await api.post('/v1/api_keys', { token, body: { name: 'third' } });

    expect(second.status).toBe(402);
    expect(errorOf(second)).toMatchObject({ code: 'API_KEY_LIMIT_REACHED', limit: 1 });
    expect(afterRevoke.status).toBe(201);
  });

  it('never exceeds the cap under concurrent creates', async () => {
    const { token } = await signUp(api);

    const responses = await Promise.all(Array.from({ length: 6 }, (_, index) => api.post('/v1/api_keys', { token, body: { name: `k${index}` } })));

    expect(responses.filter((response) => response.status === 201)).toHaveLength(1);
    expect(responses.filter((response) => response.status === 402)).toHaveLength(5);
  });

  it('is refused to API keys: keys cannot mint keys', async () => {
    const { token } = await signUp(api);
    const { key } = await createKey(api, token);

    const create = await api.post('/v1/api_keys', { token: key, body: { name: 'x' } });
    const listKeys = await api.get('/v1/api_keys', { token: key });
    const revoke = await api.delete('/v1/api_keys/key_whatever', { token: key });

    expect([create.status, listKeys.status, revoke.status]).toEqual([403, 403, 403]);
    expect(errorOf(create).code).toBe('FORBIDDEN');
  });

  it('rejects unknown permissions', async () => {
    const { token } = await signUp(api);

    const response = await api.post('/v1/api_keys', { token, body: { name: 'x', permissions: 'admin' } });

    expect(response.status).toBe(422);
    expect(errorOf(response).fields).toEqual([expect.objectContaining({ path: 'permissions' })]);
  });
});

describe('using a key', () => {
  it('records last_used_at', async () => {
    const { token } = await signUp(api);
    const { key, id } = await createKey(api, token);

    await api.get('/v1/collections', { token: key });
    const listed = await api.get('/v1/api_keys', { token });

    const used = list(listed.body.data).find((item) => String(item.id) === id);
    expect(Date.now() - Date.parse(String(used?.last_used_at))).toBeLessThan(10_000);
  });

  it('a read_only key may read but every write is FORBIDDEN', async () => {
    const { token } = await signUp(api);
    const collection = await api.post('/v1/collections', { token, body: { name: 'shared' } });
    const { key } = await createKey(api, token, 'read_only');
    const id = String(collection.body.data.id);

    const reads = await Promise.all([api.get('/v1/collections', { token: key }), api.get(`/v1/collections/${id}`, { token: key })]);
    const writes = await Promise.all([
      api.post('/v1/collections', { token: key, body: { name: 'nope' } }),
      api.patch(`/v1/collections/${id}`, { token: key, body: { name: 'nope' } }),
      api.delete(`/v1/collections/${id}`, { token: key }),
    ]);

    expect(reads.map((response) => response.status)).toEqual([200, 200]);
    expect(writes.map((response) => response.status)).toEqual([403, 403, 403]);
    expect(writes.map((response) => errorOf(response).code)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    expect((await api.get(`/v1/collections/${id}`, { token })).body.data.name).toBe('shared');
  });
});

describe('read_only keys over the whole route table', () => {
  let readOnlyKey: string;
  let fullKey: string;
  beforeAll(async () => {
    // Two accounts (the Free plan allows one key each); the ids asked for belong to neither.
    const [reader, writer] = await Promise.all([signUp(api), signUp(api)]);
    [{ key: readOnlyKey }, { key: fullKey }] = await Promise.all([createKey(api, reader.token, 'read_only'), createKey(api, writer.token, 'all')]);
  });

  const writes = keyRoutes.filter((route) => route.writes).map((route) => [route.name, route] as const);
  const reads = keyRoutes.filter((route) => !route.writes).map((route) => [route.name, route] as const);

  it('covers search and suggest as reads, and feedback as a write', () => {
    expect(reads.map(([name]) => name)).toEqual(expect.arrayContaining(['search', 'suggest', 'videoTranscript', 'videoMoment', 'listVideos']));
    expect(writes.map(([name]) => name)).toEqual(expect.arrayContaining(['searchFeedback', 'createCollection', 'deleteVideo', 'reindexVideo']));
  });

  it.each(writes)('refuses a read_only key on %s with FORBIDDEN, where an all key gets past the permission check', async (_name, route) => {
    const path = pathOf(route.path);

    const [readOnly, full] = await Promise.all([api.call(route.method, path, { token: readOnlyKey }), api.call(route.method, path, { token: fullKey })]);

    expect(readOnly.status).toBe(403);
    expect(errorOf(readOnly).code).toBe('FORBIDDEN');
    expect(full.status).not.toBe(403);
  });

  const sessionOnly = Object.values(routes)
    .filter((route) => route.auth === 'session')
    .map((route) => [route.name, route] as const);
  it.each(sessionOnly)('refuses every API key on the session-only route %s, read_only or not', async (_name, route) => {
    const path = pathOf(route.path);

    const answers = await Promise.all([api.call(route.method, path, { token: readOnlyKey }), api.call(route.method, path, { token: fullKey })]);

    expect(answers.map((answer) => errorOf(answer).code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });

  it.each(reads)('answers a read_only key on %s exactly as an all key', async (_name, route) => {
    const path = pathOf(route.path);
    const body = route.method === 'GET' ? undefined : { query: 'harbor' };

    const readOnly = await api.call(route.method, path, { token: readOnlyKey, body });
    const full = await api.call(route.method, path, { token: fullKey, body });

    expect(readOnly.status).not.toBe(403);
    expect(readOnly.status).toBe(full.status);
    expect(errorOf(readOnly)?.code).toBe(errorOf(full)?.code);
  });
});

describe('DELETE /v1/api_keys/{key_id}', () => {
  it('revokes at once: the very next request with the key is INVALID_API_KEY', async () => {
    const { token } = await signUp(api);
    const { key, id } = await createKey(api, token);
    expect((await api.get('/v1/collections', { token: key })).status).toBe(200);

    const revoke = await api.delete(`/v1/api_keys/${id}`, { token });
    const after = await api.get('/v1/collections', { token: key });

    expect(revoke.status).toBe(204);
    expect(after.status).toBe(401);
    expect(errorOf(after).code).toBe('INVALID_API_KEY');
  });

  it('refuses a key this process has used many times at once when it is revoked; a new key works from its first request', async () => {
    // Arrange: a key used a few times (known to the process, under the account's key epoch)
    const { token } = await signUp(api);
    const { key, id } = await createKey(api, token);
    const uses = [];
    for (let use = 0; use < 3; use += 1) uses.push((await api.get('/v1/collections', { token: key })).status);

    // Act
    const revoke = await api.delete(`/v1/api_keys/${id}`, { token });
    const after = await api.get('/v1/collections', { token: key });
    const again = await api.get('/v1/collections', { token: key });
    const { key: next } = await createKey(api, token);
    const nextUses = [];
    for (let use = 0; use < 3; use += 1) nextUses.push((await api.get('/v1/collections', { token: next })).status);

    // Assert
    expect(uses).toEqual([200, 200, 200]);
    expect(revoke.status).toBe(204);
    expect([errorOf(after).code, errorOf(again).code]).toEqual(['INVALID_API_KEY', 'INVALID_API_KEY']);
    expect(nextUses).toEqual([200, 200, 200]);
  });

  it('keeps revoked keys in the list with revoked_at', async () => {
    const { token } = await signUp(api);
    const { id } = await createKey(api, token);

    await api.delete(`/v1/api_keys/${id}`, { token });
    const listed = await api.get('/v1/api_keys', { token });

    const [revoked] = list(listed.body.data);
    expect(revoked).toMatchObject({ id, revoked_at: expect.any(String) });
    expect(Date.now() - Date.parse(String(revoked?.revoked_at))).toBeLessThan(10_000);
  });

  it('answers API_KEY_ALREADY_REVOKED the second time', async () => {
    const { token } = await signUp(api);
    const { id } = await createKey(api, token);
    await api.delete(`/v1/api_keys/${id}`, { token });

    const again = await api.delete(`/v1/api_keys/${id}`, { token });

    expect(again.status).toBe(409);
    expect(errorOf(again).code).toBe('API_KEY_ALREADY_REVOKED');
  });

  it("treats another account's key exactly like a missing one", async () => {
    const owner = await signUp(api);
    const stranger = await signUp(api);
    const { id, key } = await createKey(api, owner.token);

    const foreign = await api.delete(`/v1/api_keys/${id}`, { token: stranger.token });
    const missing = await api.delete('/v1/api_keys/key_01aaaaaaaaaaaaaaaaaaaaaaaa', { token: stranger.token });

    expect(foreign.status).toBe(404);
    expect(errorOf(foreign).code).toBe('API_KEY_NOT_FOUND');
    expect(errorOf(foreign).message).toBe(errorOf(missing).message);
    expect((await api.get('/v1/collections', { token: key })).status).toBe(200);
    expect(list((await api.get('/v1/api_keys', { token: stranger.token })).body.data)).toEqual([]);
  });
});

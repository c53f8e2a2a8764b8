import { describe, expect, it, vi } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createKey, errorOf, list, signUp, uploadAndIndex, useTestApi } from '#test/support/api';
import { mediaPath } from '#test/support/media';
import { armFault, disarmFault } from '#lib/faults';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { resumeCollectionDeletes } from '#lib/collections/collections';

const api = useTestApi();

async function createCollection(token: string, name: string): Promise<string> {
  const response = await api.post('/v1/collections', { token, body: { name } });
  expect(response.status).toBe(201);
  return String(response.body.data.id);
}

describe('POST /v1/collections', () => {
  it('creates a collection with a trimmed name and zeroed figures', async () => {
    const { token } = await signUp(api);

    const response = await api.post('/v1/collections', { token, body: { name: '  Product demos  ' } });

    expect(response.status).toBe(201);
    expect(response.body.data).toEqual({
      id: expect.stringMatching(/^col_[0-9a-z]{26}$/),
      user_id: expect.stringMatching(/^acc_/),
      name: 'Product demos',
      created_at: expect.any(String),
      video_count: 0,
      total_duration_secs: 0,
      storage_bytes: 0,
    });
  });

  it('refuses a name the account already uses, regardless of case', async () => {
    const { token } = await signUp(api);
    await createCollection(token, 'Interviews');

    const response = await api.post('/v1/collections', { token, body: { name: 'interviews' } });

    expect(response.status).toBe(409);
    expect(errorOf(response).code).toBe('COLLECTION_NAME_TAKEN');
  });

  it('lets two accounts use the same name', async () => {
    const first = await signUp(api);
    const second = await signUp(api);
    await createCollection(first.token, 'Lectures');

    const response = await api.post('/v1/collections', { token: second.token, body: { name: 'Lectures' } });

    expect(response.status).toBe(201);
  });

  it('gives exactly one 201 to concurrent creates of one name', async () => {
    const { token } = await signUp(api);

    const responses = await Promise.all(Array.from({ length: 8 }, () => api.post('/v1/collections', { token, body: { name: 'Race' } })));

    expect(responses.filter((response) => response.status === 201)).toHaveLength(1);
    expect(responses.filter((response) => response.status === 409)).toHaveLength(7);
    expect((await api.get('/v1/collections', { token })).body.meta.total).toBe(1);
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(256) }, 'name'],
    [{}, 'name'],
    [{ name: 7 }, 'name'],
    [{ name: 'ok', color: 'red' }, 'color'],
  ])('VALIDATION_ERROR for %j', async (body, field) => {
    const { token } = await signUp(api);

    const response = await api.post('/v1/collections', { token, body });

    expect(response.status).toBe(422);
    expect(errorOf(response).fields).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for a repeat, without creating twice', async () => {
    const { token } = await signUp(api);
    const headers = { 'idempotency-key': 'create-archive-1' };

    const first = await api.post('/v1/collections', { token, headers, body: { name: 'Archive' } });
    const repeat = await api.post('/v1/collections', { token, headers, body: { name: 'Archive' } });

    expect([first.status, repeat.status]).toEqual([201, 201]);
    expect(repeat.body.data).toEqual(first.body.data);
    expect(repeat.body.meta.request_id).not.toBe(first.body.meta.request_id);
    expect((await api.get('/v1/collections', { token })).body.meta.total).toBe(1);
  });

  it('gives concurrent repeats one creation and one answer', async () => {
    const { token } = await signUp(api);
    const headers = { 'idempotency-key': 'burst' };

    const responses = await Promise.all(Array.from({ length: 4 }, () => api.post('/v1/collections', { token, headers, body: { name: 'Burst' } })));

    expect(responses.map((response) => response.status)).toEqual([201, 201, 201, 201]);
    expect(new Set(responses.map((response) => response.body.data.id)).size).toBe(1);
  });

  it('refuses the same key with another body', async () => {
    const { token } = await signUp(api);
    const headers = { 'idempotency-key': 'same-key' };
    await api.post('/v1/collections', { token, headers, body: { name: 'One' } });

    const response = await api.post('/v1/collections', { token, headers, body: { name: 'Two' } });

    expect(response.status).toBe(422);
    expect(errorOf(response).code).toBe('VALIDATION_ERROR');
    expect(errorOf(response).fields).toEqual([expect.objectContaining({ path: 'Idempotency-Key' })]);
  });

  it('scopes keys to the account', async () => {
    const first = await signUp(api);
    const second = await signUp(api);
    const headers = { 'idempotency-key': 'shared-key' };

    const a = await api.post('/v1/collections', { token: first.token, headers, body: { name: 'Mine' } });
    const b = await api.post('/v1/collections', { token: second.token, headers, body: { name: 'Mine' } });

    expect(b.status).toBe(201);
    expect(b.body.data.id).not.toBe(a.body.data.id);
  });

  it('refuses a key longer than 255 characters', async () => {
    const { token } = await signUp(api);

    const response = await api.post('/v1/collections', { token, headers: { 'idempotency-key': 'k'.repeat(256) }, body: { name: 'Long' } });

    expect(response.status).toBe(422);
  });
});

describe('GET /v1/collections', () => {
  it('lists newest first, paginated, with meta.total', async () => {
    const { token } = await signUp(api);
    for (const name of ['one', 'two', 'three', 'four', 'five']) await createCollection(token, name);

    const firstPage = await api.get('/v1/collections?per_page=2', { token });
    const lastPage = await api.get('/v1/collections?page=3&per_page=2', { token });
    const beyond = await api.get('/v1/collections?page=9&per_page=2', { token });

    expect(list(firstPage.body.data).map((item) => item.name)).toEqual(['five', 'four']);
    expect(firstPage.body.meta).toMatchObject({ total: 5, page: 1, per_page: 2 });
    expect(list(lastPage.body.data).map((item) => item.name)).toEqual(['one']);
    expect(list(beyond.body.data)).toEqual([]);
    expect(list(firstPage.body.data)[0]).toEqual({
      id: expect.any(String),
      user_id: expect.stringMatching(/^acc_/),
      name: 'five',
      created_at: expect.any(String),
      video_count: 0,
      thumbnail_urls: [],
    });
  });

  it("shows up to 4 of a collection's video thumbnails, newest first, as fetchable JPEGs", async () => {
    // Arrange: five indexed videos in one collection, none in another
    const { token } = await signUp(api);
    const [crowded, empty] = [await createCollection(token, 'crowded'), await createCollection(token, 'empty')];
    const clip = await mediaPath('clip.mkv');
    const indexed = await Promise.all(Array.from({ length: 5 }, () => uploadAndIndex(api, token, crowded, clip, 400_000)));
    // Ids sort by creation time: the newest four, newest first.
    const newest = indexed
      .map((video) => video.videoId)
      .sort()
      .reverse()
      .slice(0, 4);

    // Act
    const listed = list((await api.get('/v1/collections', { token })).body.data);

    // Assert
    const urlsOf = (id: string) => list(listed.find((item) => String(item.id) === id)?.thumbnail_urls).map(String);
    expect(indexed.map((video) => video.job.status)).toEqual(Array(5).fill('done'));
    expect(urlsOf(crowded).map((url, at) => new URL(url).pathname.includes(newest[at] ?? 'none'))).toEqual([true, true, true, true]);
    expect(urlsOf(empty)).toEqual([]);
    const picture = await fetch(urlsOf(crowded)[0] ?? '');
    expect(picture.status).toBe(200);
    expect(picture.headers.get('content-type')).toBe('image/jpeg');
  }, 480_000);

  it.each(['page=0', 'per_page=101', 'per_page=abc', 'sort=name'])('VALIDATION_ERROR for ?%s', async (query) => {
    const { token } = await signUp(api);

    const response = await api.get(`/v1/collections?${query}`, { token });

    expect(response.status).toBe(422);
    expect(errorOf(response).code).toBe('VALIDATION_ERROR');
    expect(list(errorOf(response).fields)).toHaveLength(1);
  });

  it('accepts page up to the first 10 000 rows and points deeper reads to cursor', async () => {
    const { token } = await signUp(api);

    const deepest = await api.get('/v1/collections?page=100&per_page=100', { token });
    const beyond = await api.get('/v1/collections?page=101&per_page=100', { token });
    const huge = await api.get('/v1/collections?page=999999999999', { token });

    expect(deepest.status).toBe(200);
    expect(beyond.status).toBe(422);
    expect(errorOf(beyond).code).toBe('VALIDATION_ERROR');
    expect(list(errorOf(beyond).fields)).toEqual([{ path: 'page', message: expect.stringContaining('cursor') }]);
    expect(huge.status).toBe(422);
  });
});

describe('GET / PATCH /v1/collections/{id}', () => {
  it('answers an id with a malformed %-escape like any unknown id, in the envelope', async () => {
    const { token } = await signUp(api);

    const response = await api.get('/v1/collections/col_%zz', { token });

    expect(response.status).toBe(404);
    expect(errorOf(response)).toMatchObject({ code: 'COLLECTION_NOT_FOUND', request_id: expect.stringMatching(/^req_/) });
  });

  it('reads and renames', async () => {
    const { token } = await signUp(api);
    const id = await createCollection(token, 'Draft');

    const renamed = await api.patch(`/v1/collections/${id}`, { token, body: { name: 'Final' } });
    const read = await api.get(`/v1/collections/${id}`, { token });

    expect(renamed.status).toBe(200);
    expect(read.body.data).toMatchObject({ id, name: 'Final', video_count: 0, total_duration_secs: 0, storage_bytes: 0 });
  });

  it('frees the old name and guards the new one', async () => {
    const { token } = await signUp(api);
    const first = await createCollection(token, 'Alpha');
    await createCollection(token, 'Beta');

    const clash = await api.patch(`/v1/collections/${first}`, { token, body: { name: 'BETA' } });
    await api.patch(`/v1/collections/${first}`, { token, body: { name: 'Gamma' } });
    const reuse = await api.post('/v1/collections', { token, body: { name: 'Alpha' } });
    const recase = await api.patch(`/v1/collections/${first}`, { token, body: { name: 'GAMMA' } });

    expect(clash.status).toBe(409);
    expect(errorOf(clash).code).toBe('COLLECTION_NAME_TAKEN');
    expect(reuse.status).toBe(201);
    expect(recase.status).toBe(200);
    expect(recase.body.data.name).toBe('GAMMA');
  });
});

describe('tenant isolation', () => {
  it("answers another account's collection exactly like a missing one, on every route", async () => {
    const owner = await signUp(api);
    const stranger = await signUp(api);
    const strangerKey = await createKey(api, stranger.token);
    const id = await createCollection(owner.token, 'Private');
    const missing = 'col_01aaaaaaaaaaaaaaaaaaaaaaaa';

    for (const token of [stranger.token, strangerKey.key]) {
      for (const target of [id, missing]) {
        const responses = await Promise.all([
          api.get(`/v1/collections/${target}`, { token }),
          api.patch(`/v1/collections/${target}`, { token, body: { name: 'Stolen' } }),
          api.delete(`/v1/collections/${target}`, { token }),
        ]);
        expect(responses.map((response) => response.status)).toEqual([404, 404, 404]);
        expect(responses.map((response) => errorOf(response).code)).toEqual(['COLLECTION_NOT_FOUND', 'COLLECTION_NOT_FOUND', 'COLLECTION_NOT_FOUND']);
        expect(new Set(responses.map((response) => errorOf(response).message)).size).toBe(1);
      }
    }
    expect(list((await api.get('/v1/collections', { token: stranger.token })).body.data)).toEqual([]);
    expect((await api.get(`/v1/collections/${id}`, { token: owner.token })).body.data.name).toBe('Private');
  });
});

/** The local runtime's three tries of a background function (0, +0.5 s, +1.5 s) are over. */
function sweepTriesOver(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2500));
}

describe('DELETE /v1/collections/{id}', () => {
  it('answers at once with the collection hidden and its name free, and sweeps everything it owns in the background', async () => {
    const { token, accountId } = await signUp(api);
    const id = await createCollection(token, 'Doomed');
    const owned = { PK: `VIDEOROW#${id}`, SK: 'V1', GSI1PK: keys.ownedByCollection(id).GSI1PK, GSI1SK: 'V1' };
    await db.send(new PutCommand({ TableName: tableName, Item: owned }));

    const response = await api.delete(`/v1/collections/${id}`, { token });
    const hidden = await api.get(`/v1/collections/${id}`, { token });
    const listed = await api.get('/v1/collections', { token });
    const sameName = await api.post('/v1/collections', { token, body: { name: 'Doomed' } });

    expect(response.status).toBe(204);
    expect([hidden.status, errorOf(hidden).code]).toEqual([404, 'COLLECTION_NOT_FOUND']);
    expect(list(listed.body.data).map((item) => item.id)).not.toContain(id);
    expect(sameName.status).toBe(201);
    await vi.waitFor(
      async () => {
        expect((await db.send(new GetCommand({ TableName: tableName, Key: { PK: owned.PK, SK: owned.SK } }))).Item).toBeUndefined();
        expect((await db.send(new GetCommand({ TableName: tableName, Key: keys.collection(accountId, id) }))).Item).toBeUndefined();
      },
      { timeout: 30_000, interval: 200 },
    );
  });

  it('is resumable: a background sweep that keeps failing leaves the collection hidden, and the next DELETE finishes it', async () => {
    const { token, accountId } = await signUp(api);
    const id = await createCollection(token, 'Interrupted');
    armFault('collection_sweep_interrupted');

    const interrupted = await api.delete(`/v1/collections/${id}`, { token });
    await sweepTriesOver();
    disarmFault('collection_sweep_interrupted');
    const hidden = await api.get(`/v1/collections/${id}`, { token });
    const listed = await api.get('/v1/collections', { token });
    const leftBehind = await db.send(new GetCommand({ TableName: tableName, Key: keys.collection(accountId, id) }));
    const retried = await api.delete(`/v1/collections/${id}`, { token });

    expect(interrupted.status).toBe(204);
    expect(hidden.status).toBe(404);
    expect(list(listed.body.data)).toEqual([]);
    expect(leftBehind.Item).toMatchObject({ status: 'deleting' });
    expect(retried.status).toBe(204);
    await vi.waitFor(async () => expect((await db.send(new GetCommand({ TableName: tableName, Key: keys.collection(accountId, id) }))).Item).toBeUndefined(), {
      timeout: 30_000,
      interval: 100,
    });
  });

  it('leaves nothing behind when the scheduled sweep finishes an interrupted delete', async () => {
    const { token, accountId } = await signUp(api);
    const id = await createCollection(token, 'Swept');
    armFault('collection_sweep_interrupted');
    await api.delete(`/v1/collections/${id}`, { token });
    await sweepTriesOver();
    disarmFault('collection_sweep_interrupted');

    const finished = await resumeCollectionDeletes();

    expect(finished).toBeGreaterThanOrEqual(1);
    const record = await db.send(new GetCommand({ TableName: tableName, Key: keys.collection(accountId, id) }));
    expect(record.Item).toBeUndefined();
  });
});

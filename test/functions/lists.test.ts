import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '#lib/db/keys';
import { createKey, errorOf, list, signUp, useTestApi, type ApiResponse, type Json } from '#test/support/api';
import { useAllowedWebhookReceiver } from '#test/support/webhook-receiver';

/**
 * Cursor pagination over HTTP on every list route (api.md Transport): a walk by `meta.next_cursor`
 * sees every row once, newest first; cursors are bound to the account, the list and its filters;
 * `page` and `cursor` agree; `meta.total` follows creates and deletes.
 */
const receiver = useAllowedWebhookReceiver();

const api = useTestApi();

interface Walked {
  ids: string[];
  pages: ApiResponse[];
}

/** Follows `meta.next_cursor` from the first page to the last. */
async function walk(path: string, token: string, perPage: number, query = ''): Promise<Walked> {
  const pages: ApiResponse[] = [];
  let cursor: string | null = null;
  do {
    const cursorPart: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const response = await api.get(`${path}?per_page=${perPage}${query}${cursorPart}`, { token });
    expect(response.status, response.text).toBe(200);
    pages.push(response);
    const next: Json | undefined = response.body.meta.next_cursor;
    cursor = typeof next === 'string' ? next : null;
    expect(pages.length).toBeLessThan(50);
  } while (cursor !== null);
  return { ids: pages.flatMap((page) => list(page.body.data).map((item) => String(item.id))), pages };
}

/** Every row at once, by page (the same backing reads): what the walk must match. */
async function allByPage(path: string, token: string, query = ''): Promise<string[]> {
  const response = await api.get(`${path}?per_page=100${query}`, { token });
  expect(response.status, response.text).toBe(200);
  expect(response.body.meta.next_cursor).toBeNull();
  return list(response.body.data).map((item) => String(item.id));
}

async function collection(token: string, name: string): Promise<string> {
  const response = await api.post('/v1/collections', { token, body: { name } });
  expect(response.status, response.text).toBe(201);
  return String(response.body.data.id);
}

/** Declares an upload (no bytes): its video (uploading), its job and the hold's ledger row exist from now. */
async function declareUpload(token: string, collectionId: string, filename = 'declared.mp4'): Promise<{ videoId: string; jobId: string }> {
  const response = await api.post('/v1/uploads', { token, body: { collection_id: collectionId, filename, size_bytes: 1000, content_type: 'video/mp4' } });
  expect(response.status, response.text).toBe(201);
  return { videoId: String(response.body.data.video_id), jobId: String(response.body.data.job_id) };
}

/** Ids sorted newest first (they are ULIDs behind a prefix): the order every list answers in. */
const newestFirst = (ids: readonly string[]) => [...ids].sort().reverse();

/** An account with 7 videos over two collections, and a key for it. */
async function libraryAccount(): Promise<{ accountId: string; session: string; key: string; collections: string[]; videos: string[]; jobs: string[] }> {
  const { token: session, accountId } = await signUp(api);
  const { key } = await createKey(api, session);
  const collections = [await collection(key, 'one'), await collection(key, 'two')];
  const uploads = [];
  for (let index = 0; index < 7; index += 1) uploads.push(await declareUpload(key, collections[index % 2] ?? '', `clip-${index}.mp4`));
  return { accountId, session, key, collections, videos: uploads.map((upload) => upload.videoId), jobs: uploads.map((upload) => upload.jobId) };
}

describe('walking every list by cursor', () => {
  it('collections, videos, jobs and the ledger: every row exactly once, newest first, with the total on every page', async () => {
    const account = await libraryAccount();
    for (let index = 0; index < 3; index += 1) await collection(account.key, `more ${index}`);

    const lists = [
      { path: '/v1/collections', token: account.key, count: 5 },
      { path: '/v1/videos', token: account.key, count: 7, expected: newestFirst(account.videos) },
      { path: '/v1/jobs', token: account.key, count: 7, expected: newestFirst(account.jobs) },
      // The trial's opening credit and one hold per upload.
      { path: '/v1/billing/transactions', token: account.session, count: 8 },
    ];
    for (const { path, token, count, expected } of lists) {
      const walked = await walk(path, token, 3);

      expect(walked.ids, path).toEqual(await allByPage(path, token));
      expect(walked.ids).toHaveLength(count);
      expect(new Set(walked.ids).size).toBe(count);
      if (expected) expect(walked.ids, path).toEqual(expected);
      expect(walked.pages.map((page) => list(page.body.data).length)).toEqual(
        [3, 3, 3].map((size, index) => Math.min(size, count - index * 3)).filter((size) => size > 0),
      );
      expect(walked.pages.map((page) => page.body.meta.total)).toEqual(walked.pages.map(() => count));
      expect(walked.pages.map((page) => page.body.meta.page)).toEqual(walked.pages.map((_, index) => index + 1));
    }
  });

  it('a collection’s videos and a status: the filters hold on every page', async () => {
    const account = await libraryAccount();
    const [first = '', second = ''] = account.collections;
    const failed = account.videos[2] ?? '';
    // Imported here: the table's client reads the configuration, which must wait for the URL guard's exception above.
    const { db, tableName } = await import('#lib/db/client');
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.video(account.accountId, failed),
        UpdateExpression: 'SET #status = :failed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':failed': 'failed' },
      }),
    );

    const inFirst = await walk('/v1/videos', account.key, 2, `&collection_id=${first}`);
    const jobsInSecond = await walk('/v1/jobs', account.key, 2, `&collection_id=${second}`);
    const uploading = await walk('/v1/videos', account.key, 2, '&status=uploading');
    const failedOnly = await walk('/v1/videos', account.key, 2, '&status=failed');

    expect(inFirst.ids).toEqual(newestFirst(account.videos.filter((_, index) => index % 2 === 0)));
    expect(inFirst.pages.map((page) => page.body.meta.total)).toEqual([4, 4]);
    expect(jobsInSecond.ids).toEqual(newestFirst(account.jobs.filter((_, index) => index % 2 === 1)));
    expect(jobsInSecond.pages[0]?.body.meta.total).toBe(3);
    expect(uploading.ids).toEqual(newestFirst(account.videos.filter((id) => id !== failed)));
    expect(uploading.pages[0]?.body.meta.total).toBe(6);
    expect(failedOnly.ids).toEqual([failed]);
    expect(failedOnly.pages[0]?.body.meta).toMatchObject({ total: 1, next_cursor: null });
  });

  it('API keys, webhook endpoints and an endpoint’s deliveries', async () => {
    const { token: session } = await signUp(api);
    // Free allows one active key: revoked keys stay listed.
    const keyIds: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      const { id } = await createKey(api, session);
      keyIds.push(id);
      if (index < 3) expect((await api.delete(`/v1/api_keys/${id}`, { token: session })).status).toBe(204);
    }
    const endpointIds: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const created = await api.post('/v1/webhooks', { token: session, body: { url: `${receiver().origin}/lists-${index}` } });
      expect(created.status, created.text).toBe(201);
      endpointIds.push(String(created.body.data.id));
    }
    const endpoint = endpointIds[0] ?? '';
    for (let index = 0; index < 3; index += 1) expect((await api.post(`/v1/webhooks/${endpoint}/test`, { token: session })).status).toBe(202);

    const apiKeys = await walk('/v1/api_keys', session, 3);
    const webhooks = await walk('/v1/webhooks', session, 2);
    const deliveries = await walk(`/v1/webhooks/${endpoint}/deliveries`, session, 2);

    expect(apiKeys.ids).toEqual(newestFirst(keyIds));
    expect(apiKeys.pages.map((page) => page.body.meta.total)).toEqual([4, 4]);
    expect(webhooks.ids).toEqual(newestFirst(endpointIds));
    expect(webhooks.pages.map((page) => page.body.meta.total)).toEqual([3, 3]);
    expect(webhooks.pages.map((page) => page.body.meta.default_secret_set)).toEqual([false, false]);
    expect(deliveries.ids).toHaveLength(3);
    expect(new Set(deliveries.ids).size).toBe(3);
    expect(deliveries.ids).toEqual(await allByPage(`/v1/webhooks/${endpoint}/deliveries`, session));
    expect(deliveries.pages.map((page) => page.body.meta.total)).toEqual([3, 3]);
  });
});

describe('a cursor is bound to its account, list and filters', () => {
  it('answers another account’s cursor exactly as a garbage one: VALIDATION_ERROR on cursor', async () => {
    const owner = await libraryAccount();
    const other = await libraryAccount();
    const first = await api.get('/v1/videos?per_page=2', { token: owner.key });
    const cursor = String(first.body.meta.next_cursor);

    const foreign = await api.get(`/v1/videos?per_page=2&cursor=${encodeURIComponent(cursor)}`, { token: other.key });
    const garbage = await api.get('/v1/videos?per_page=2&cursor=c1.bm90aGluZw.AAAA', { token: other.key });
    const tampered = await api.get(
      `/v1/videos?per_page=2&cursor=${encodeURIComponent(cursor.replace(/\.(.)/, (_, char: string) => `.${char === 'A' ? 'B' : 'A'}`))}`,
      {
        token: owner.key,
      },
    );

    for (const response of [foreign, garbage, tampered]) {
      expect(response.status).toBe(422);
      expect(errorOf(response)).toMatchObject({ code: 'VALIDATION_ERROR', fields: [{ path: 'cursor', message: errorOf(garbage).fields[0]?.message }] });
    }
    expect(errorOf(foreign).message).toBe(errorOf(garbage).message);
  });

  it('refuses a cursor sent with other filters, or to another list', async () => {
    const account = await libraryAccount();
    const [first = ''] = account.collections;
    const filtered = await api.get(`/v1/videos?per_page=2&collection_id=${first}&status=uploading`, { token: account.key });
    const cursor = encodeURIComponent(String(filtered.body.meta.next_cursor));

    const unfiltered = await api.get(`/v1/videos?per_page=2&cursor=${cursor}`, { token: account.key });
    const otherStatus = await api.get(`/v1/videos?per_page=2&collection_id=${first}&status=ready&cursor=${cursor}`, { token: account.key });
    const otherList = await api.get(`/v1/jobs?per_page=2&collection_id=${first}&status=queued&cursor=${cursor}`, { token: account.key });
    const same = await api.get(`/v1/videos?per_page=2&status=uploading&collection_id=${first}&cursor=${cursor}`, { token: account.key });

    for (const response of [unfiltered, otherStatus, otherList]) {
      expect(response.status).toBe(422);
      expect(errorOf(response).fields).toEqual([expect.objectContaining({ path: 'cursor' })]);
    }
    expect(same.status).toBe(200);
  });

  it('refuses page with cursor, and page past the first 10 000 rows', async () => {
    const { key } = await libraryAccount();
    const first = await api.get('/v1/videos?per_page=2', { token: key });
    const cursor = encodeURIComponent(String(first.body.meta.next_cursor));

    const both = await api.get(`/v1/videos?per_page=2&page=2&cursor=${cursor}`, { token: key });
    const deep = await api.get('/v1/videos?per_page=100&page=101', { token: key });
    const deepest = await api.get('/v1/videos?per_page=100&page=100', { token: key });

    expect(errorOf(both)).toMatchObject({ code: 'VALIDATION_ERROR', fields: [{ path: 'cursor' }] });
    expect(errorOf(deep)).toMatchObject({ code: 'VALIDATION_ERROR', fields: [{ path: 'page' }] });
    expect(deepest.status).toBe(200);
    expect(deepest.body.data).toEqual([]);
  });
});

describe('page and cursor', () => {
  it('agree: page n is the page the cursor of page n−1 leads to, and a page answers the cursor to the next', async () => {
    const { key } = await libraryAccount();

    const [page1, page2, page3] = await Promise.all([1, 2, 3].map((page) => api.get(`/v1/jobs?per_page=3&page=${page}`, { token: key })));
    const byCursor2 = await api.get(`/v1/jobs?per_page=3&cursor=${encodeURIComponent(String(page1?.body.meta.next_cursor))}`, { token: key });
    const byCursor3 = await api.get(`/v1/jobs?per_page=3&cursor=${encodeURIComponent(String(page2?.body.meta.next_cursor))}`, { token: key });

    expect(byCursor2.body.data).toEqual(page2?.body.data);
    expect(byCursor2.body.meta).toMatchObject({ page: 2, per_page: 3, total: 7 });
    expect(byCursor3.body.data).toEqual(page3?.body.data);
    expect(byCursor3.body.meta).toMatchObject({ page: 3, total: 7, next_cursor: null });
    expect(page3?.body.meta.next_cursor).toBeNull();
  });

  it('a cursor still leads on after the row it stopped at was deleted', async () => {
    const { key, videos } = await libraryAccount();
    const first = await api.get('/v1/videos?per_page=3', { token: key });
    const lastShown = String(list(first.body.data).at(-1)?.id);

    expect((await api.delete(`/v1/videos/${lastShown}`, { token: key })).status).toBe(204);
    const next = await api.get(`/v1/videos?per_page=3&cursor=${encodeURIComponent(String(first.body.meta.next_cursor))}`, { token: key });

    expect(list(next.body.data).map((video) => video.id)).toEqual(newestFirst(videos).slice(3, 6));
    expect(next.body.meta.total).toBe(6);
  });
});

describe('totals', () => {
  it('follow creates and deletes (counters kept with the writes)', async () => {
    const account = await libraryAccount();
    const [first = ''] = account.collections;
    const extra = await collection(account.key, 'extra');
    const totals = async () => {
      const [collections, videos, inFirst, jobs] = await Promise.all(
        ['/v1/collections', '/v1/videos', `/v1/videos?collection_id=${first}`, '/v1/jobs'].map((path) => api.get(path, { token: account.key })),
      );
      return [collections, videos, inFirst, jobs].map((response) => response?.body.meta.total);
    };
    expect(await totals()).toEqual([3, 7, 4, 7]);

    expect((await api.delete(`/v1/collections/${extra}`, { token: account.key })).status).toBe(204);
    expect((await api.delete(`/v1/videos/${account.videos[0] ?? ''}`, { token: account.key })).status).toBe(204);
    expect((await api.delete(`/v1/videos/${account.videos[1] ?? ''}`, { token: account.key })).status).toBe(204);
    await declareUpload(account.key, first);

    expect(await totals()).toEqual([2, 6, 4, 6]);
    expect((await walk('/v1/videos', account.key, 4)).ids).toHaveLength(6);
    expect((await walk('/v1/collections', account.key, 1)).ids).toHaveLength(2);
  });

  it('follow a collection’s delete: its videos and jobs leave the totals as its sweep removes them', async () => {
    const account = await libraryAccount();
    const [first = '', second = ''] = account.collections;

    expect((await api.delete(`/v1/collections/${second}`, { token: account.key })).status).toBe(204);
    let totals: unknown[] = [];
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const answers = await Promise.all(['/v1/collections', '/v1/videos', '/v1/jobs'].map((path) => api.get(path, { token: account.key })));
      totals = answers.map((response) => response.body.meta.total);
      if (totals[1] === 4 && totals[2] === 4) break;
      await new Promise((done) => setTimeout(done, 100));
    }

    expect(totals).toEqual([1, 4, 4]);
    expect((await walk('/v1/videos', account.key, 3)).ids).toEqual(newestFirst(account.videos.filter((_, index) => index % 2 === 0)));
    expect((await walk('/v1/jobs', account.key, 3, `&collection_id=${first}`)).pages[0]?.body.meta.total).toBe(4);
  });
});

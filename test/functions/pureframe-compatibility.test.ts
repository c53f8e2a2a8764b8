import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createKey, errorOf, list, signUp, uploadAndIndex, useTestApi, type ApiResponse } from '#test/support/api';
import { media, mediaPath } from '#test/support/media';

/**
 * A client written for PureFrame v1 works unchanged against Frameseek (api.md, first lines; issue 24).
 * Each block drives one difference the issue measured, the way PureFrame's documentation sends it.
 */
const api = useTestApi();

describe('a key written for PureFrame (pf_…)', () => {
  it('is INVALID_API_KEY, exactly like an unknown Frameseek key, not UNAUTHORIZED', async () => {
    const pureFrameKey = await api.get('/v1/collections', { token: `pf_live_${'a1B2'.repeat(8)}` });
    const unknownKey = await api.get('/v1/collections', { token: `fsk_${'A'.repeat(43)}` });

    expect([pureFrameKey.status, errorOf(pureFrameKey).code]).toEqual([401, 'INVALID_API_KEY']);
    expect(errorOf(pureFrameKey).message).toBe(errorOf(unknownKey).message);
  });
});

describe('object shapes and filters as PureFrame declares them', () => {
  let owner: { key: string; accountId: string };
  let collectionId = '';
  let readyVideo = { videoId: '', jobId: '' };
  let declaredVideoId = '';

  beforeAll(async () => {
    const { token, accountId } = await signUp(api);
    owner = { key: (await createKey(api, token)).key, accountId };
    collectionId = String((await api.post('/v1/collections', { token: owner.key, body: { name: 'PureFrame footage' } })).body.data.id);
    readyVideo = await uploadAndIndex(api, owner.key, collectionId, await mediaPath('clip.mkv'));
    // Declared but never sent: a video that is not finished, which `done` must leave out.
    const declared = await api.post('/v1/uploads', {
      token: owner.key,
      body: { collection_id: collectionId, filename: 'later.mp4', size_bytes: 1000, content_type: 'video/mp4' },
    });
    declaredVideoId = String(declared.body.data.video_id);
  });

  it('names the owning account as user_id on a collection, its detail, its list item and a job', async () => {
    const created = await api.post('/v1/collections', { token: owner.key, body: { name: 'Another' } });
    const detail = await api.get(`/v1/collections/${collectionId}`, { token: owner.key });
    const listed = await api.get('/v1/collections', { token: owner.key });
    const job = await api.get(`/v1/jobs/${readyVideo.jobId}`, { token: owner.key });
    const jobs = await api.get('/v1/jobs', { token: owner.key });

    expect(created.body.data.user_id).toBe(owner.accountId);
    expect(detail.body.data.user_id).toBe(owner.accountId);
    expect(list(listed.body.data).map((item) => item.user_id)).toEqual([owner.accountId, owner.accountId]);
    expect(job.body.data).toMatchObject({ user_id: owner.accountId, status: 'done', error: null, error_code: null });
    expect(list(jobs.body.data).every((item) => String(item.user_id) === owner.accountId)).toBe(true);
  });

  it('takes ?status=done as ours: ready videos, done jobs', async () => {
    const doneVideos = await api.get('/v1/videos?status=done', { token: owner.key });
    const readyVideos = await api.get('/v1/videos?status=ready', { token: owner.key });
    const both = await api.get('/v1/videos?status=done,uploading', { token: owner.key });
    const doneJobs = await api.get('/v1/jobs?status=done', { token: owner.key });
    const unknown = await api.get('/v1/videos?status=finished', { token: owner.key });

    expect(list(doneVideos.body.data).map((video) => [video.id, video.status])).toEqual([[readyVideo.videoId, 'ready']]);
    expect(readyVideos.body.data).toEqual(doneVideos.body.data);
    expect(list(both.body.data).map((video) => video.id)).toEqual([declaredVideoId, readyVideo.videoId]);
    expect(list(doneJobs.body.data).map((job) => job.id)).toEqual([readyVideo.jobId]);
    expect([unknown.status, errorOf(unknown).code]).toEqual([422, 'VALIDATION_ERROR']);
  });

  it('records a vote sent as JSON, urlencoded or multipart, answering data: null', async () => {
    const form = new FormData();
    form.append('video_id', readyVideo.videoId);
    form.append('timestamp_start', '1');
    form.append('signal', 'down');

    const asJson = await api.post('/v1/search/feedback', { token: owner.key, body: { video_id: readyVideo.videoId, timestamp_start: 0, signal: 'up' } });
    const asUrlencoded = await api.post('/v1/search/feedback', {
      token: owner.key,
      rawBody: `video_id=${readyVideo.videoId}&timestamp_start=0.5&signal=up&query=test+pattern`,
      contentType: 'application/x-www-form-urlencoded',
    });
    const asMultipart = await api.post('/v1/search/feedback', { token: owner.key, form });
    const notANumber = await api.post('/v1/search/feedback', {
      token: owner.key,
      rawBody: `video_id=${readyVideo.videoId}&timestamp_start=soon&signal=up`,
      contentType: 'application/x-www-form-urlencoded',
    });

    expect([asJson.status, asUrlencoded.status, asMultipart.status]).toEqual([200, 200, 200]);
    expect([asJson.body.data, asUrlencoded.body.data, asMultipart.body.data]).toEqual([null, null, null]);
    expect(errorOf(notANumber)).toMatchObject({ code: 'VALIDATION_ERROR', fields: [{ path: 'timestamp_start', message: expect.any(String) }] });
  });

  it("answers a search sent with PureFrame's default fields (modes incl. scene, natural_language, labels) instead of a 422", async () => {
    const form = new FormData();
    for (const mode of ['scene', 'transcript', 'ocr']) form.append('modes', mode);
    form.append('query', 'test pattern after 1 second');
    form.append('natural_language', 'true');
    form.append('labels', 'person');
    form.append('collection_id', collectionId);

    const response = await api.post('/v1/search', { token: owner.key, form });

    expect(response.status).toBe(200);
    expect(response.body.meta.interpreted).toEqual({
      query: 'test pattern',
      modes: null,
      exact_phrases: [],
      after_secs: 1,
      collection: null,
      collection_found: null,
      collection_id: null,
    });
    expect(list(response.body.meta.warnings)).toContainEqual(expect.stringContaining('no label source exists'));
  });
  it('reads "in <collection name>" against the caller\'s own collections only; another account\'s name is a warning', async () => {
    const empty = await api.post('/v1/collections', { token: owner.key, body: { name: 'Empty shelf' } });
    const stranger = await signUp(api);
    await api.post('/v1/collections', { token: stranger.token, body: { name: 'Their archive' } });
    const ask = (query: string) => api.post('/v1/search', { token: owner.key, body: { query, natural_language: true, modes: ['transcript', 'ocr'] } });

    const inFootage = await ask('test pattern in PureFrame footage');
    const inEmpty = await ask('test pattern in the empty shelf collection');
    const inTheirs = await ask('test pattern in the Their archive collection');

    expect(inFootage.body.meta.interpreted).toMatchObject({ query: 'test pattern', collection: 'PureFrame footage', collection_id: collectionId });
    expect(list(inFootage.body.data).every((hit) => String(hit.collection_id) === collectionId)).toBe(true);
    expect(inEmpty.body.meta.interpreted).toMatchObject({ collection: 'Empty shelf', collection_id: String(empty.body.data.id) });
    expect(inEmpty.body.data).toEqual([]);
    expect(inTheirs.status).toBe(200);
    expect(inTheirs.body.meta.interpreted).toMatchObject({ query: 'test pattern', collection: 'Their archive', collection_found: false, collection_id: null });
    expect(list(inTheirs.body.meta.warnings)).toContainEqual(expect.stringContaining('No collection is named "Their archive"'));
  });
});

/**
 * PureFrame's documented operations, sent as its quickstart and concept pages show them (curl -F
 * forms, JSON bodies, query strings), each answer checked against the shape those pages declare.
 * The zod shapes below are our own, written from PureFrame's public documentation; extra fields of
 * ours are allowed (a PureFrame client ignores what it does not read).
 */
const envelope = <T extends z.ZodType>(data: T) => z.object({ data, meta: z.object({ request_id: z.string() }).passthrough() });
const pfCollection = z.object({ id: z.string().startsWith('col_'), name: z.string(), video_count: z.number().int(), created_at: z.string() });
const pfUploadAccepted = z.object({ job_id: z.string(), video_id: z.string(), status: z.string() });
const pfJob = z.object({ job_id: z.string(), status: z.enum(['queued', 'pending', 'processing', 'done', 'failed']), progress_pct: z.number() });
const pfSegment = z.object({ timestamp_start: z.number(), timestamp_end: z.number(), score: z.number().min(0).max(1) });
const pfSearch = z.object({
  data: z.array(z.object({ video_id: z.string(), filename: z.string(), collection_id: z.string(), segments: z.array(pfSegment) })),
  meta: z.object({ total: z.number().int(), page: z.number().int(), per_page: z.number().int() }).passthrough(),
});
const pfFrameMap = z.object({
  frames: z.array(
    z.object({
      id: z.string(),
      x: z.number(),
      y: z.number(),
      video_id: z.string(),
      collection_id: z.string(),
      timestamp_start: z.number(),
      thumbnail_url: z.string(),
      cluster_id: z.number(),
    }),
  ),
  clusters: z.array(z.object({ id: z.number(), label: z.string(), color: z.string(), frame_count: z.number(), video_count: z.number() })),
  total_frames: z.number(),
  total_videos: z.number(),
  total_collections: z.number(),
});

function parsed<T extends z.ZodType>(shape: T, response: ApiResponse): z.infer<T> {
  const result = shape.safeParse(response.body);
  if (!result.success) throw new Error(`${response.status} ${response.text.slice(0, 400)} does not match PureFrame's shape: ${result.error.message}`);
  return result.data;
}

describe("PureFrame's documented operations, as its docs send them", () => {
  it('creates, lists and renames a collection, uploads with curl -F, polls the job, lists, searches, votes, clicks, maps and deletes', async () => {
    const { token } = await signUp(api);
    const key = (await createKey(api, token)).key;

    const created = parsed(envelope(pfCollection), await api.post('/v1/collections', { token: key, body: { name: 'Product demos' } }));
    const listed = parsed(envelope(z.array(pfCollection)), await api.get('/v1/collections', { token: key }));
    const renamed = parsed(envelope(pfCollection), await api.patch(`/v1/collections/${created.data.id}`, { token: key, body: { name: 'Sales demos' } }));
    const form = new FormData();
    form.append('collection_id', created.data.id);
    form.append('file', new Blob([new Uint8Array(await media('clip.mp4'))], { type: 'application/octet-stream' }), 'footage.mp4');
    const upload = await api.post('/v1/upload', { token: key, form });
    const accepted = parsed(envelope(pfUploadAccepted), upload);
    let job = parsed(envelope(pfJob), await api.get(`/v1/jobs/${accepted.data.job_id}`, { token: key }));
    for (let waited = 0; job.data.status !== 'done' && job.data.status !== 'failed' && waited < 120_000; waited += 500) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      job = parsed(envelope(pfJob), await api.get(`/v1/jobs/${accepted.data.job_id}`, { token: key }));
    }
    const videos = await api.get(`/v1/videos?collection_id=${created.data.id}`, { token: key });
    const searchForm = new FormData();
    searchForm.append('query', 'person waving at the camera');
    searchForm.append('collection_id', created.data.id);
    for (const mode of ['video', 'transcript']) searchForm.append('modes', mode);
    const searched = parsed(pfSearch, await api.post('/v1/search', { token: key, form: searchForm }));
    const vote = await api.post('/v1/search/feedback', { token: key, body: { video_id: accepted.data.video_id, timestamp_start: 0, signal: 'up' } });
    const click = await api.post('/v1/search/click', {
      token: key,
      body: {
        search_id: String((await api.post('/v1/search', { token: key, form: searchForm })).body.meta.search_id),
        video_id: accepted.data.video_id,
        timestamp_start: 0,
        rank: 1,
      },
    });
    const map = parsed(envelope(pfFrameMap), await api.get(`/v1/framemap?collection_id=${created.data.id}`, { token: key }));
    const deleted = await api.delete(`/v1/collections/${created.data.id}`, { token: key });

    expect(listed.data.map((collection) => collection.id)).toEqual([created.data.id]);
    expect(renamed.data.name).toBe('Sales demos');
    expect(upload.status).toBe(202);
    expect(job.data).toMatchObject({ status: 'done', progress_pct: 100 });
    expect(list(videos.body.data).map((video) => video.id)).toEqual([accepted.data.video_id]);
    expect(searched.meta.page).toBe(1);
    expect([vote.status, vote.body.data, click.status, click.body.data]).toEqual([200, null, 200, null]);
    expect(map.data.total_videos).toBe(1);
    expect(deleted.status).toBe(204);
  });
});

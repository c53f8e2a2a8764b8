import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { routes } from '#functions/routes';
import type { RouteDefinition } from '#lib/http/route';
import { createKey, errorOf, list, signUp, uploadAndIndex, useTestApi, type ApiResponse, type RequestOptions } from '#test/support/api';
import { media, mediaPath } from '#test/support/media';
import { useAllowedWebhookReceiver } from '#test/support/webhook-receiver';

/**
 * A client written for PureFrame v1 works unchanged against Frameseek (api.md, first lines; issue 24).
 * Each block drives one difference the issue measured, the way PureFrame's documentation sends it;
 * the last drives every one of PureFrame's 26 operations.
 */
const receiver = useAllowedWebhookReceiver();

const api = useTestApi();

describe('a key written for PureFrame (pf_…)', () => {
  it('is INVALID_API_KEY, exactly like an unknown Frameseek key, not UNAUTHORIZED', async () => {
    const pureFrameKey = await api.get('/v1/collections', { token: `pf_live_${'a1B2'.repeat(8)}` });
    // The prefix PureFrame's authentication page documents.
    const documentedPrefix = await api.get('/v1/collections', { token: `pf_key_${'c3D4'.repeat(8)}` });
    const unknownKey = await api.get('/v1/collections', { token: `fsk_${'A'.repeat(43)}` });

    expect([pureFrameKey.status, errorOf(pureFrameKey).code]).toEqual([401, 'INVALID_API_KEY']);
    expect([documentedPrefix.status, errorOf(documentedPrefix).code]).toEqual([401, 'INVALID_API_KEY']);
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
 * PureFrame's documented operations, sent as its documentation shows them (curl -F forms, JSON
 * bodies, query strings, the agent page's Python calls), each answer checked against a shape
 * written from those pages. The zod shapes below are our own; extra fields of ours are allowed (a
 * PureFrame client ignores what it does not read). Where PureFrame's public pages show no body
 * (webhooks, API keys, feedback, clicks, the frame map), the shape is the one the issue and api.md
 * give as PureFrame's.
 */
const envelope = <T extends z.ZodType>(data: T) => z.object({ data, meta: z.object({ request_id: z.string() }).passthrough() });
const pfCollection = z.object({ id: z.string().startsWith('col_'), name: z.string(), video_count: z.number().int(), created_at: z.string() });
const pfUploadAccepted = z.object({ job_id: z.string(), video_id: z.string(), status: z.literal('queued') });
const pfJob = z.object({
  job_id: z.string(),
  user_id: z.string(),
  status: z.enum(['queued', 'pending', 'processing', 'done', 'failed']),
  progress_pct: z.number(),
  error: z.string().nullable(),
  error_code: z.string().nullable(),
});
const pfVideo = z.object({ id: z.string().startsWith('vid_'), filename: z.string(), collection_id: z.string() });
const pfVideoDetail = pfVideo.extend({ playback_url: z.string().startsWith('http') });
const pfSegment = z.object({
  timestamp_start: z.number(),
  timestamp_end: z.number(),
  score: z.number().min(0).max(1),
  text_content: z.string().optional(),
  thumbnail_url: z.string().optional(),
});
const pfSearch = z.object({
  data: z.array(z.object({ video_id: z.string(), filename: z.string(), collection_id: z.string(), segments: z.array(pfSegment) })),
  meta: z.object({ total: z.number().int(), page: z.number().int(), per_page: z.number().int() }).passthrough(),
});
const pfNull = z.object({ data: z.null() });
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
/** OpenAI function-calling tools, passed as they come (`tools=schema`): a bare array, no envelope. */
const pfToolSchema = z.array(
  z.object({
    type: z.literal('function'),
    function: z.object({ name: z.string(), description: z.string(), parameters: z.object({ type: z.literal('object') }).passthrough() }),
  }),
);
const pfClip = z.object({
  video_id: z.string(),
  filename: z.string(),
  start_secs: z.number(),
  end_secs: z.number(),
  relevance_score: z.number(),
  text_snippet: z.string().nullable(),
  clip_url: z.string().startsWith('http'),
  thumbnail_url: z.string().nullable(),
  thumbnail_base64: z.string().optional(),
});
const pfApiKey = z.object({ id: z.string(), name: z.string(), prefix: z.string(), permissions: z.string(), created_at: z.string() });
const pfWebhook = z.object({ id: z.string(), url: z.string(), events: z.array(z.string()), is_active: z.boolean(), created_at: z.string() });
const pfDelivery = z.object({ id: z.string(), event: z.string(), status: z.string() });
const pfQueued = z.object({ status: z.literal('queued') }).passthrough();

/** PureFrame v1's operations (26, as the issue counted its OpenAPI document): METHOD and path template. */
const PUREFRAME_OPERATIONS = [
  'GET /v1/collections',
  'POST /v1/collections',
  'GET /v1/collections/{collection_id}',
  'PATCH /v1/collections/{collection_id}',
  'DELETE /v1/collections/{collection_id}',
  'POST /v1/upload',
  'GET /v1/jobs/{job_id}',
  'GET /v1/videos',
  'GET /v1/videos/{video_id}',
  'DELETE /v1/videos/{video_id}',
  'POST /v1/search',
  'POST /v1/search/feedback',
  'POST /v1/search/click',
  'GET /v1/framemap',
  'GET /v1/agent/schema.json',
  'POST /v1/agent/call',
  'POST /v1/api_keys',
  'GET /v1/api_keys',
  'DELETE /v1/api_keys/{key_id}',
  'GET /v1/webhooks',
  'POST /v1/webhooks',
  'PATCH /v1/webhooks/{webhook_id}',
  'DELETE /v1/webhooks/{webhook_id}',
  'POST /v1/webhooks/{webhook_id}/test',
  'GET /v1/webhooks/{webhook_id}/deliveries',
  'POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry',
] as const;
type Operation = (typeof PUREFRAME_OPERATIONS)[number];

function parsed<T extends z.ZodType>(shape: T, response: ApiResponse): z.infer<T> {
  const result = shape.safeParse(response.body);
  if (!result.success) throw new Error(`${response.status} ${response.text.slice(0, 400)} does not match PureFrame's shape: ${result.error.message}`);
  return result.data;
}

describe("PureFrame's 26 documented operations, as its docs send them", () => {
  const driven = new Set<Operation>();
  /** One PureFrame operation: `path` is the template with its ids filled in. */
  const pf = (operation: Operation, path: string, options?: RequestOptions): Promise<ApiResponse> => {
    driven.add(operation);
    return api.call(operation.slice(0, operation.indexOf(' ')), path, options);
  };
  let session = '';
  let key = '';
  let collectionId = '';
  let video = { id: '', jobId: '' };

  beforeAll(async () => {
    session = (await signUp(api)).token;
  });

  it("API keys: created with PureFrame's permission levels (read_only, all_access), listed without the secret, revoked at once", async () => {
    const readOnly = await pf('POST /v1/api_keys', '/v1/api_keys', { token: session, body: { name: 'agent', permissions: 'read_only' } });
    const readOnlyKey = parsed(envelope(pfApiKey.extend({ key: z.string() })), readOnly);
    const revoked = await pf('DELETE /v1/api_keys/{key_id}', `/v1/api_keys/${readOnlyKey.data.id}`, { token: session });
    const afterRevoke = await api.get('/v1/collections', { token: readOnlyKey.data.key });
    // The Free plan's one active key: created once the read-only one is revoked.
    const full = await pf('POST /v1/api_keys', '/v1/api_keys', { token: session, body: { name: 'laptop', permissions: 'all_access' } });
    const created = parsed(envelope(pfApiKey.extend({ key: z.string() })), full);
    const listed = parsed(envelope(z.array(pfApiKey)), await pf('GET /v1/api_keys', '/v1/api_keys', { token: session }));
    const byKey = await pf('GET /v1/api_keys', '/v1/api_keys', { token: created.data.key });
    key = created.data.key;

    expect([readOnly.status, readOnlyKey.data.permissions, full.status, created.data.permissions]).toEqual([201, 'read_only', 201, 'all']);
    expect([revoked.status, afterRevoke.status, errorOf(afterRevoke).code]).toEqual([204, 401, 'INVALID_API_KEY']);
    expect(listed.data.map((item) => item.id).sort()).toEqual([created.data.id, readOnlyKey.data.id].sort());
    expect(JSON.stringify(listed.data)).not.toContain(created.data.key);
    // Deliberate (api.md): API keys are managed with a session, not with a key (README, compatibility).
    expect([byKey.status, errorOf(byKey).code]).toEqual([403, 'FORBIDDEN']);
  });

  it('collections: created with a JSON body, listed, read and renamed', async () => {
    const created = parsed(envelope(pfCollection), await pf('POST /v1/collections', '/v1/collections', { token: key, body: { name: 'Product demos' } }));
    collectionId = created.data.id;
    const listed = parsed(envelope(z.array(pfCollection)), await pf('GET /v1/collections', '/v1/collections', { token: key }));
    const detail = parsed(envelope(pfCollection), await pf('GET /v1/collections/{collection_id}', `/v1/collections/${collectionId}`, { token: key }));
    const renamed = parsed(
      envelope(pfCollection),
      await pf('PATCH /v1/collections/{collection_id}', `/v1/collections/${collectionId}`, { token: key, body: { name: 'Sales demos' } }),
    );

    expect(listed.data.map((collection) => collection.id)).toEqual([collectionId]);
    expect([detail.data.name, detail.data.video_count]).toEqual(['Product demos', 0]);
    expect(renamed.data.name).toBe('Sales demos');
  });

  it('upload with curl -F (an octet-stream file part), job polled until done, videos listed by collection and read', async () => {
    const form = new FormData();
    form.append('collection_id', collectionId);
    form.append('file', new Blob([new Uint8Array(await media('clip.mp4'))], { type: 'application/octet-stream' }), 'footage.mp4');
    const withoutCollection = new FormData();
    withoutCollection.append('file', new Blob([new Uint8Array(await media('clip.mp4'))], { type: 'application/octet-stream' }), 'footage.mp4');

    const upload = await pf('POST /v1/upload', '/v1/upload', { token: key, form });
    const quickstartForm = await pf('POST /v1/upload', '/v1/upload', { token: key, form: withoutCollection });
    const accepted = parsed(envelope(pfUploadAccepted), upload);
    let job = parsed(envelope(pfJob), await pf('GET /v1/jobs/{job_id}', `/v1/jobs/${accepted.data.job_id}`, { token: key }));
    for (let waited = 0; job.data.status !== 'done' && job.data.status !== 'failed' && waited < 120_000; waited += 500) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      job = parsed(envelope(pfJob), await pf('GET /v1/jobs/{job_id}', `/v1/jobs/${accepted.data.job_id}`, { token: key }));
    }
    video = { id: accepted.data.video_id, jobId: accepted.data.job_id };
    const videos = parsed(envelope(z.array(pfVideo)), await pf('GET /v1/videos', `/v1/videos?collection_id=${collectionId}`, { token: key }));
    const detail = parsed(envelope(pfVideoDetail), await pf('GET /v1/videos/{video_id}', `/v1/videos/${video.id}`, { token: key }));

    expect(upload.status).toBe(202);
    expect(job.data).toMatchObject({ status: 'done', progress_pct: 100 });
    expect(videos.data.map((item) => item.id)).toEqual([video.id]);
    expect(detail.data).toMatchObject({ id: video.id, filename: 'footage.mp4', collection_id: collectionId });
    // The quickstart's one-field form: PureFrame's own upload page requires collection_id, and so do we (README, compatibility).
    expect([quickstartForm.status, errorOf(quickstartForm).code]).toEqual([422, 'VALIDATION_ERROR']);
    expect(JSON.stringify(errorOf(quickstartForm).fields)).toContain('collection_id');
  }, 180_000);

  it('search as the quickstart and the search page send it (a bare query, modes, collection, pages), then a vote and a click', async () => {
    const form = (fields: Array<[string, string]>) => {
      const body = new FormData();
      for (const [name, value] of fields) body.append(name, value);
      return body;
    };

    const bare = parsed(pfSearch, await pf('POST /v1/search', '/v1/search', { token: key, form: form([['query', 'person waving at the camera']]) }));
    const spoken = parsed(
      pfSearch,
      await pf('POST /v1/search', '/v1/search', {
        token: key,
        form: form([
          ['query', 'pricing discussion'],
          ['modes', 'transcript'],
        ]),
      }),
    );
    const scoped = parsed(
      pfSearch,
      await pf('POST /v1/search', '/v1/search', {
        token: key,
        form: form([
          ['query', 'product demo'],
          ['collection_id', collectionId],
        ]),
      }),
    );
    const paged = parsed(
      pfSearch,
      await pf('POST /v1/search', '/v1/search', {
        token: key,
        form: form([
          ['query', 'explosion scene'],
          ['page', '2'],
          ['per_page', '10'],
        ]),
      }),
    );
    const vote = parsed(
      pfNull,
      await pf('POST /v1/search/feedback', '/v1/search/feedback', { token: key, body: { video_id: video.id, timestamp_start: 0, signal: 'up' } }),
    );
    const click = parsed(
      pfNull,
      await pf('POST /v1/search/click', '/v1/search/click', {
        token: key,
        body: { search_id: String(scoped.meta.search_id), video_id: video.id, timestamp_start: 0, rank: 1 },
      }),
    );

    expect([bare.meta.page, bare.meta.per_page, spoken.meta.page, scoped.meta.page]).toEqual([1, 10, 1, 1]);
    expect(scoped.data.every((hit) => hit.collection_id === collectionId)).toBe(true);
    expect([paged.meta.page, paged.meta.per_page]).toEqual([2, 10]);
    expect([vote.data, click.data]).toEqual([null, null]);
  });

  it('frame map: the first call is accepted while it computes in the background, a later one answers it', async () => {
    const path = `/v1/framemap?collection_id=${collectionId}`;
    const first = await pf('GET /v1/framemap', path, { token: key });
    let latest = first;
    for (let waited = 0; String(latest.body.meta?.framemap?.status) !== 'ready' && waited < 60_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      latest = await pf('GET /v1/framemap', path, { token: key });
    }

    // Deliberate (README, compatibility): 202 with an empty map of the same shape until the first map is ready.
    expect(first.status).toBe(202);
    expect(parsed(envelope(pfFrameMap), first).data.total_frames).toBe(0);
    expect(latest.status).toBe(200);
    expect(parsed(envelope(pfFrameMap), latest).data.total_videos).toBe(1);
  }, 90_000);

  it("agent: schema.json passed as OpenAI tools, and PureFrame's four tools called over /v1/agent/call", async () => {
    const schema = parsed(pfToolSchema, await pf('GET /v1/agent/schema.json', '/v1/agent/schema.json', { token: key }));
    const call = (tool: string, input: Record<string, unknown>) => pf('POST /v1/agent/call', '/v1/agent/call', { token: key, body: { tool, input } });

    const searched = parsed(
      z.object({ data: z.object({ clips: z.array(pfClip) }).passthrough() }),
      await call('search_videos', { query: 'presenter pointing at a chart', collection_id: collectionId }),
    );
    const collections = parsed(z.object({ data: z.object({ collections: z.array(pfCollection) }).passthrough() }), await call('list_collections', {}));
    const collection = parsed(z.object({ data: pfCollection }), await call('get_collection', { collection_id: collectionId }));
    const described = parsed(z.object({ data: pfVideoDetail }), await call('get_video', { video_id: video.id }));

    expect(schema.map((tool) => tool.function.name)).toEqual(expect.arrayContaining(['search_videos', 'list_collections', 'get_collection', 'get_video']));
    expect(searched.data.clips.every((clip) => clip.video_id === video.id)).toBe(true);
    expect(collections.data.collections.map((item) => item.id)).toEqual([collectionId]);
    expect([collection.data.id, described.data.id]).toEqual([collectionId, video.id]);
  });

  it('webhooks: registered, listed, changed, tested (signed ping delivered), its deliveries listed and one retried, then removed', async () => {
    const path = '/pureframe-hooks';
    const created = await pf('POST /v1/webhooks', '/v1/webhooks', {
      token: key,
      body: { url: `${receiver().origin}${path}`, events: ['job.completed', 'job.failed'] },
    });
    const endpoint = parsed(envelope(pfWebhook.extend({ secret: z.string() })), created);
    receiver().trust(path, endpoint.data.secret);
    const listed = parsed(envelope(z.array(pfWebhook)), await pf('GET /v1/webhooks', '/v1/webhooks', { token: key }));
    const changed = parsed(
      envelope(pfWebhook),
      await pf('PATCH /v1/webhooks/{webhook_id}', `/v1/webhooks/${endpoint.data.id}`, {
        token: key,
        body: { events: ['job.completed', 'job.failed', 'video.deleted'] },
      }),
    );
    const tested = await pf('POST /v1/webhooks/{webhook_id}/test', `/v1/webhooks/${endpoint.data.id}/test`, { token: key });
    const [ping] = await receiver().waitFor(path, 1);
    let deliveries = parsed(
      envelope(z.array(pfDelivery)),
      await pf('GET /v1/webhooks/{webhook_id}/deliveries', `/v1/webhooks/${endpoint.data.id}/deliveries`, { token: key }),
    );
    for (let waited = 0; deliveries.data[0]?.status !== 'delivered' && waited < 20_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      deliveries = parsed(
        envelope(z.array(pfDelivery)),
        await pf('GET /v1/webhooks/{webhook_id}/deliveries', `/v1/webhooks/${endpoint.data.id}/deliveries`, { token: key }),
      );
    }
    const deliveryId = deliveries.data[0]?.id ?? '';
    const retried = await pf(
      'POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry',
      `/v1/webhooks/${endpoint.data.id}/deliveries/${deliveryId}/retry`,
      { token: key },
    );
    const [, again] = await receiver().waitFor(path, 2);
    const removed = await pf('DELETE /v1/webhooks/{webhook_id}', `/v1/webhooks/${endpoint.data.id}`, { token: key });

    expect(created.status).toBe(201);
    expect(listed.data.map((item) => item.id)).toEqual([endpoint.data.id]);
    expect(changed.data.events).toEqual(['job.completed', 'job.failed', 'video.deleted']);
    expect([tested.status, parsed(envelope(pfQueued), tested).data.status]).toEqual([202, 'queued']);
    expect([ping?.body.event, ping?.verifiedWith]).toEqual(['webhook.ping', [true]]);
    expect(deliveries.data[0]).toMatchObject({ event: 'webhook.ping', status: 'delivered' });
    expect([retried.status, parsed(envelope(pfQueued), retried).data.status]).toEqual([202, 'queued']);
    expect(again?.body.id).toBe(ping?.body.id);
    expect(removed.status).toBe(204);
  }, 60_000);

  it('deletes a video, then its collection', async () => {
    const videoDeleted = await pf('DELETE /v1/videos/{video_id}', `/v1/videos/${video.id}`, { token: key });
    const collectionDeleted = await pf('DELETE /v1/collections/{collection_id}', `/v1/collections/${collectionId}`, { token: key });
    const gone = await api.get(`/v1/collections/${collectionId}`, { token: key });

    expect([videoDeleted.status, collectionDeleted.status]).toEqual([204, 204]);
    expect([gone.status, errorOf(gone).code]).toEqual([404, 'COLLECTION_NOT_FOUND']);
  });

  it('drove every one of the 26 operations, each a route of ours', () => {
    const ours = new Set(Object.values(routes as Record<string, RouteDefinition>).map((route) => `${route.method} ${route.path}`));

    expect([...driven].sort()).toEqual([...PUREFRAME_OPERATIONS].sort());
    expect(PUREFRAME_OPERATIONS.filter((operation) => !ours.has(operation))).toEqual([]);
  });
});

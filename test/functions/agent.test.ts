import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * Settings are read once, when the first module that needs them loads, so they are set here before
 * any import: the Free plan takes two keys, the agent group gets a limit of its own (to tell it apart from the other groups in the
 * X-RateLimit-* headers), and a file server standing in for "a public host" goes on the URL guard's
 * allow-list (a test-only setting, refused in prod) for upload_video's source_url.
 */
const AGENT_LIMIT = 5000;
const files = await vi.hoisted(async () => {
  const overrides = JSON.parse(process.env.FRAMESEEK_PLAN_OVERRIDES ?? '{}') as { rate_limits: { per_minute: Record<string, number> } };
  overrides.rate_limits.per_minute.agent = 5000;
  // Each account holds a full and a read_only key; the daily searches are still counted (searches_today).
  const plans = { free: { active_api_keys: 5, daily_search_quota: 1000 } };
  process.env.FRAMESEEK_PLAN_OVERRIDES = JSON.stringify({ ...overrides, plans });
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    if (request.url === '/fake.mp4') return response.writeHead(200, { 'content-type': 'video/mp4' }).end('not a video at all, only words');
    return response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the file server has no port');
  process.env.FRAMESEEK_URL_GUARD_ALLOW = `127.0.0.1:${address.port}`;
  return { origin: `http://127.0.0.1:${address.port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
});
afterAll(() => files.close());

import { createKey, errorOf, finishedJob, list, signUp, uploadAndIndex, useTestApi, type ApiResponse, type Json } from '#test/support/api';
import { talkingClip, type MediaManifest } from '#test/support/talking-media';
import { transcriptUri } from '#lib/agent/mcp-server';

const api = useTestApi();

const TOOL_NAMES = [
  'search_videos',
  'list_collections',
  'get_collection',
  'list_videos',
  'get_video',
  'get_job_status',
  'upload_video',
  'get_transcript',
  'get_moment',
];

interface Account {
  token: string;
  key: string;
  readOnlyKey: string;
  collectionId: string;
}

function callTool(credential: string, tool: string, input: Record<string, unknown>): Promise<ApiResponse> {
  return api.post('/v1/agent/call', { token: credential, body: { tool, input } });
}

async function searchesToday(token: string): Promise<number> {
  return Number((await api.get('/v1/account', { token })).body.data.usage.searches_today);
}

async function account(): Promise<Account> {
  const { token } = await signUp(api);
  const [all, readOnly, collection] = await Promise.all([
    createKey(api, token, 'all'),
    createKey(api, token, 'read_only'),
    api.post('/v1/collections', { token, body: { name: 'talks' } }),
  ]);
  return { token, key: all.key, readOnlyKey: readOnly.key, collectionId: String(collection.body.data.id) };
}

async function mcpOverHttp(credential: string): Promise<McpClient> {
  const client = new McpClient({ name: 'frameseek-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', api.runtime().url), {
    requestInit: { headers: { authorization: `Bearer ${credential}` } },
  });
  await client.connect(transport);
  return client;
}

function structured(result: unknown): Json {
  return (result as CallToolResult).structuredContent as unknown as Json;
}

let clip: MediaManifest;
let owner: Account;
let stranger: Account;
let videoId: string;
let jobId: string;
let strangerVideo: string;
const sentence = () => {
  const spoken = clip.speech[4];
  if (!spoken) throw new Error('the clip has no fifth sentence');
  return spoken;
};

beforeAll(async () => {
  [clip, owner, stranger] = await Promise.all([talkingClip(), account(), account()]);
  const [mine, theirs] = await Promise.all([
    uploadAndIndex(api, owner.key, owner.collectionId, clip.path),
    // The stranger's upload is never indexed: its id only has to exist in another account.
    api.post('/v1/uploads', {
      token: stranger.key,
      body: { collection_id: stranger.collectionId, filename: 'theirs.mp4', size_bytes: 1000, content_type: 'video/mp4' },
    }),
  ]);
  expect(mine.job).toMatchObject({ status: 'done' });
  videoId = mine.videoId;
  jobId = mine.jobId;
  strangerVideo = String(theirs.body.data.video_id);
}, 240_000);

describe('GET /v1/agent/schema.json', () => {
  it('describes every tool in OpenAI function-calling format, with the input schemas that validate calls', async () => {
    const response = await api.get('/v1/agent/schema.json', { token: owner.key });
    const tools = list(response.body as unknown as Json);
    const byName = Object.fromEntries(tools.map((tool) => [String(tool.function.name), tool.function]));

    expect(response.status).toBe(200);
    expect(tools.map((tool) => tool.function.name)).toEqual(TOOL_NAMES);
    for (const tool of tools) {
      expect(tool).toMatchObject({ type: 'function', function: { description: expect.stringMatching(/^\S.{20,}/), parameters: { type: 'object' } } });
      expect(tool.function.parameters).not.toHaveProperty('$schema');
    }
    expect(Object.keys(byName.search_videos.parameters.properties)).toEqual([
      'query',
      'image_url',
      'collection_id',
      'video_id',
      'modes',
      'max_videos',
      'max_clips_per_video',
      'include_thumbnails',
    ]);
    expect(byName.search_videos.parameters.properties.max_videos).toMatchObject({ type: 'integer', minimum: 1, maximum: 50, default: 10 });
    expect(byName.get_video.parameters).toMatchObject({ required: ['video_id'], additionalProperties: false });
    expect(byName.get_moment.parameters.required).toEqual(['video_id', 'timestamp']);
    expect(Object.keys(byName.upload_video.parameters.properties)).toEqual(expect.arrayContaining(['source_url', 'upload_id', 'collection_id']));
  });

  it('needs a credential and counts in the agent rate-limit group', async () => {
    const anonymous = await api.get('/v1/agent/schema.json');
    const signedIn = await api.get('/v1/agent/schema.json', { token: owner.key });

    expect(anonymous.status).toBe(401);
    expect(errorOf(anonymous)).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(signedIn.headers.get('x-ratelimit-limit')).toBe(String(AGENT_LIMIT));
  });
});

describe('POST /v1/agent/call', () => {
  describe('search_videos', () => {
    it('returns clips of the moment a sentence is said, best first', async () => {
      const response = await callTool(owner.key, 'search_videos', { query: sentence().text });
      const [top] = list(response.body.data.clips);

      expect(response.status).toBe(200);
      expect(top).toEqual({
        video_id: videoId,
        filename: 'talk.mp4',
        start_secs: expect.any(Number),
        end_secs: expect.any(Number),
        relevance_score: expect.any(Number),
        text_snippet: expect.stringContaining('stories'),
        clip_url: expect.stringMatching(/^http.*#t=[\d.]+$/),
        thumbnail_url: expect.stringMatching(/^http/),
      });
      expect(Math.abs(Number(top?.start_secs) - sentence().start)).toBeLessThanOrEqual(3);
      expect(Number(top?.end_secs)).toBeGreaterThan(Number(top?.start_secs));
      expect(Number(top?.relevance_score)).toBeGreaterThan(0.5);
      expect(Number(top?.relevance_score)).toBeLessThanOrEqual(1);
      expect(response.body.data).toMatchObject({ total_videos: 1, search_id: expect.stringMatching(/^srch_/), warnings: expect.any(Array) });
    });

    it('adds each clip’s thumbnail as base64 JPEG only when asked', async () => {
      const response = await callTool(owner.key, 'search_videos', { query: sentence().text, include_thumbnails: true, max_clips_per_video: 2 });
      const clips = list(response.body.data.clips);

      expect(response.status).toBe(200);
      expect(clips.length).toBeGreaterThan(0);
      expect(clips.length).toBeLessThanOrEqual(2);
      for (const found of clips) expect(Buffer.from(String(found.thumbnail_base64), 'base64').subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    });

    it('is metered like POST /v1/search: one search unit per call, none for a refused call', async () => {
      const before = await searchesToday(owner.token);

      const searched = await callTool(owner.key, 'search_videos', { query: 'piano' });
      const refused = await callTool(owner.key, 'search_videos', { modes: ['ocr'] });
      const after = await searchesToday(owner.token);

      expect(searched.status).toBe(200);
      expect(refused.status).toBe(422);
      expect(errorOf(refused)).toMatchObject({ code: 'VALIDATION_ERROR', fields: [{ path: 'input.query', message: expect.any(String) }] });
      expect(after - before).toBe(1);
    });

    it('answers VIDEO_NOT_FOUND for another account’s video, as the route does', async () => {
      const response = await callTool(owner.key, 'search_videos', { query: 'piano', video_id: strangerVideo });

      expect(response.status).toBe(404);
      expect(errorOf(response)).toMatchObject({ code: 'VIDEO_NOT_FOUND', request_id: response.headers.get('x-request-id') });
    });

    it('is allowed to a read_only key', async () => {
      const response = await callTool(owner.readOnlyKey, 'search_videos', { query: 'piano' });

      expect(response.status).toBe(200);
      expect(list(response.body.data.clips)[0]).toMatchObject({ video_id: videoId });
    });
  });

  describe('reading tools answer what their routes answer', () => {
    it('list_collections and get_collection', async () => {
      const [listed, got, route] = await Promise.all([
        callTool(owner.key, 'list_collections', {}),
        callTool(owner.key, 'get_collection', { collection_id: owner.collectionId }),
        api.get(`/v1/collections/${owner.collectionId}`, { token: owner.key }),
      ]);

      expect(listed.status).toBe(200);
      expect(listed.body.data).toMatchObject({ total: 1, page: 1, per_page: 20, collections: [{ id: owner.collectionId, name: 'talks', video_count: 1 }] });
      expect(got.body.data).toEqual(route.body.data);
    });

    it('list_videos and get_video', async () => {
      const [listed, got, route] = await Promise.all([
        callTool(owner.key, 'list_videos', { status: ['ready'] }),
        callTool(owner.key, 'get_video', { video_id: videoId }),
        api.get(`/v1/videos/${videoId}`, { token: owner.key }),
      ]);
      const withoutLinks = (video: Json) => ({ ...video, playback_url: undefined, thumbnail_url: undefined });

      expect(list(listed.body.data.videos).map((video) => video.id)).toEqual([videoId]);
      expect(got.status).toBe(200);
      expect(withoutLinks(got.body.data)).toEqual(withoutLinks(route.body.data));
      expect(got.body.data).toMatchObject({ status: 'ready', playback_url: expect.stringMatching(/^http/) });
    });

    it('get_job_status', async () => {
      const [got, route] = await Promise.all([callTool(owner.key, 'get_job_status', { job_id: jobId }), api.get(`/v1/jobs/${jobId}`, { token: owner.key })]);

      expect(got.body.data).toEqual(route.body.data);
      expect(got.body.data).toMatchObject({ status: 'done', progress_pct: 100 });
    });

    it('get_transcript, with on-screen text when asked', async () => {
      const [speech, withOcr, route] = await Promise.all([
        callTool(owner.key, 'get_transcript', { video_id: videoId }),
        callTool(owner.key, 'get_transcript', { video_id: videoId, include: 'ocr' }),
        api.get(`/v1/videos/${videoId}/transcript`, { token: owner.key }),
      ]);

      expect(speech.body.data).toEqual({ video_id: videoId, items: route.body.data });
      expect(list(speech.body.data.items).some((item) => String(item.text).includes('stories'))).toBe(true);
      expect(list(withOcr.body.data.items).some((item) => String(item.type) === 'ocr')).toBe(true);
    });

    it('get_moment', async () => {
      const at = sentence().start + 1;
      const [got, route] = await Promise.all([
        callTool(owner.key, 'get_moment', { video_id: videoId, timestamp: at }),
        api.get(`/v1/videos/${videoId}/moment?timestamp=${at}`, { token: owner.key }),
      ]);

      expect(got.status).toBe(200);
      expect({ ...got.body.data, thumbnail_url: undefined }).toEqual({ ...route.body.data, thumbnail_url: undefined });
      expect(String(got.body.data.transcript)).toContain('stories');
    });

    it('another account’s ids behave as missing ones', async () => {
      const [video, transcript, collection] = await Promise.all([
        callTool(stranger.key, 'get_video', { video_id: videoId }),
        callTool(stranger.key, 'get_transcript', { video_id: videoId }),
        callTool(stranger.key, 'get_collection', { collection_id: owner.collectionId }),
      ]);

      expect([video.status, transcript.status, collection.status]).toEqual([404, 404, 404]);
      expect([errorOf(video).code, errorOf(transcript).code, errorOf(collection).code]).toEqual(['VIDEO_NOT_FOUND', 'VIDEO_NOT_FOUND', 'COLLECTION_NOT_FOUND']);
    });
  });

  describe('upload_video', () => {
    it('finishes an upload whose bytes are stored, and its job runs', async () => {
      const bytes = Buffer.from('not a video at all, only words');
      const ticket = await api.post('/v1/uploads', {
        token: owner.key,
        body: { collection_id: owner.collectionId, filename: 'words.mp4', size_bytes: bytes.length, content_type: 'video/mp4' },
      });
      await fetch(String(ticket.body.data.url), { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'video/mp4' } });

      const response = await callTool(owner.key, 'upload_video', { upload_id: ticket.body.data.upload_id });
      const job = await finishedJob(api, owner.key, String(response.body.data.job_id));

      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({ job_id: ticket.body.data.job_id, video_id: ticket.body.data.video_id, status: 'queued' });
      expect(job).toMatchObject({ status: 'failed', error_code: 'UNSUPPORTED_FORMAT' });
    });

    it('fetches a public URL in the background', async () => {
      const response = await callTool(owner.key, 'upload_video', { source_url: `${files.origin}/fake.mp4`, collection_id: owner.collectionId });
      const job = await finishedJob(api, owner.key, String(response.body.data.job_id));

      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({ upload_id: expect.stringMatching(/^upl_/), video_id: expect.stringMatching(/^vid_/), status: 'queued' });
      expect(job).toMatchObject({ status: 'failed', error_code: 'UNSUPPORTED_FORMAT' });
    });

    it('is refused to a read_only key (a write), and nothing is created', async () => {
      const before = await api.get('/v1/videos', { token: owner.key });

      const response = await callTool(owner.readOnlyKey, 'upload_video', { source_url: `${files.origin}/fake.mp4`, collection_id: owner.collectionId });
      const after = await api.get('/v1/videos', { token: owner.key });

      expect(response.status).toBe(403);
      expect(errorOf(response)).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('read-only') });
      expect(after.body.meta.total).toBe(before.body.meta.total);
    });

    it('takes exactly one of source_url and upload_id', async () => {
      const neither = await callTool(owner.key, 'upload_video', { collection_id: owner.collectionId });
      const both = await callTool(owner.key, 'upload_video', { source_url: `${files.origin}/fake.mp4`, upload_id: 'upl_x', collection_id: owner.collectionId });

      expect([neither.status, both.status]).toEqual([422, 422]);
      expect(errorOf(neither).fields).toEqual([{ path: 'input.source_url', message: 'send exactly one of source_url, upload_id' }]);
      expect(errorOf(both).code).toBe('VALIDATION_ERROR');
    });
  });

  it('refuses an unknown tool and unknown input fields', async () => {
    const unknownTool = await callTool(owner.key, 'delete_everything', {});
    const unknownField = await callTool(owner.key, 'get_video', { video_id: videoId, verbose: true });

    expect(unknownTool.status).toBe(422);
    expect(errorOf(unknownTool).fields).toEqual([{ path: 'tool', message: expect.any(String) }]);
    expect(errorOf(unknownField).fields).toEqual([{ path: 'input.verbose', message: 'unknown field' }]);
  });
});

describe('MCP over Streamable HTTP (POST /mcp)', () => {
  let client: McpClient;
  beforeAll(async () => {
    client = await mcpOverHttp(owner.key);
  });
  afterAll(() => client.close());

  it('lists the same tools as the schema, with the same input schemas', async () => {
    const [{ tools }, schema] = await Promise.all([client.listTools(), api.get('/v1/agent/schema.json', { token: owner.key })]);
    const openAi = list(schema.body as unknown as Json);

    expect(tools.map((tool) => tool.name)).toEqual(TOOL_NAMES);
    expect(tools.map((tool) => tool.inputSchema)).toEqual(openAi.map((tool) => tool.function.parameters));
    expect(tools.find((tool) => tool.name === 'upload_video')?.annotations).toMatchObject({ readOnlyHint: false });
  });

  it('runs search_videos: text for the model, structured clips for programs, metered once', async () => {
    const before = await searchesToday(owner.token);

    const result = (await client.callTool({ name: 'search_videos', arguments: { query: sentence().text } })) as CallToolResult;
    const after = await searchesToday(owner.token);
    const [text] = result.content;

    expect(result.isError).toBeFalsy();
    expect(list(structured(result).clips)[0]).toMatchObject({ video_id: videoId, text_snippet: expect.stringContaining('stories') });
    expect(text?.type === 'text' ? JSON.parse(text.text) : undefined).toEqual(result.structuredContent);
    expect(after - before).toBe(1);
  });

  it('returns thumbnails as image content when asked', async () => {
    const result = (await client.callTool({
      name: 'search_videos',
      arguments: { query: sentence().text, include_thumbnails: true, max_clips_per_video: 1 },
    })) as CallToolResult;
    const images = result.content.filter((item) => item.type === 'image');

    expect(images).toHaveLength(list(structured(result).clips).length);
    expect(images[0]).toMatchObject({ mimeType: 'image/jpeg', data: expect.stringMatching(/^\/9j\//) });
    expect(result.content[0]?.type === 'text' ? result.content[0].text : '').not.toContain('thumbnail_base64');
  });

  it('reports a refusal as a tool error carrying the envelope’s detail', async () => {
    const result = (await client.callTool({ name: 'get_video', arguments: { video_id: strangerVideo } })) as CallToolResult;

    expect(result.isError).toBe(true);
    expect(structured(result)).toMatchObject({ detail: { code: 'VIDEO_NOT_FOUND', request_id: expect.stringMatching(/^req_/) } });
  });

  it('refuses upload_video to a read_only key, and lets it search', async () => {
    const readOnly = await mcpOverHttp(owner.readOnlyKey);
    try {
      const upload = (await readOnly.callTool({
        name: 'upload_video',
        arguments: { source_url: `${files.origin}/fake.mp4`, collection_id: owner.collectionId },
      })) as CallToolResult;
      const search = (await readOnly.callTool({ name: 'search_videos', arguments: { query: 'piano' } })) as CallToolResult;

      expect(structured(upload)).toMatchObject({ detail: { code: 'FORBIDDEN' } });
      expect(search.isError).toBeFalsy();
    } finally {
      await readOnly.close();
    }
  });

  it('serves a video’s transcript as a resource', async () => {
    const [templates, resources, read] = await Promise.all([
      client.listResourceTemplates(),
      client.listResources(),
      client.readResource({ uri: transcriptUri(videoId) }),
    ]);
    const [content] = read.contents;

    expect(templates.resourceTemplates.map((template) => template.uriTemplate)).toEqual(['frameseek://videos/{video_id}/transcript']);
    expect(resources.resources.map((resource) => resource.uri)).toEqual([transcriptUri(videoId)]);
    expect(content).toMatchObject({ mimeType: 'text/plain', text: expect.stringContaining('stories') });
    expect(content && 'text' in content ? content.text : '').toMatch(/^\[\d+\.\d–\d+\.\d\] /);
  });

  it('goes through the API chain: 401 envelope without a credential, request ids and agent rate-limit headers', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    };
    const headers = { accept: 'application/json, text/event-stream' };

    const anonymous = await api.post('/mcp', { body: initialize, headers });
    const signedIn = await api.post('/mcp', { token: owner.key, body: initialize, headers });

    expect(anonymous.status).toBe(401);
    expect(errorOf(anonymous)).toMatchObject({ code: 'UNAUTHORIZED', request_id: anonymous.headers.get('x-request-id') });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: { name: 'frameseek' } } });
    expect(signedIn.headers.get('x-request-id')).toMatch(/^req_/);
    expect(signedIn.headers.get('x-ratelimit-limit')).toBe(String(AGENT_LIMIT));
  });

  it('shares the agent rate-limit count with /v1/agent/call', async () => {
    const headers = { accept: 'application/json, text/event-stream' };
    const ping = { jsonrpc: '2.0', id: 2, method: 'ping' };

    const first = await callTool(stranger.key, 'list_collections', {});
    const second = await api.post('/mcp', { token: stranger.key, body: ping, headers });
    const third = await callTool(stranger.key, 'list_collections', {});

    const remaining = [first, second, third].map((response) => Number(response.headers.get('x-ratelimit-remaining')));
    expect(remaining[1]).toBe(remaining[0] - 1);
    expect(remaining[2]).toBe(remaining[0] - 2);
  });
});

describe('MCP over stdio (bin/frameseek-mcp)', () => {
  function stdioClient(credential: string): { client: McpClient; transport: StdioClientTransport } {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['bin/frameseek-mcp'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', FRAMESEEK_API_KEY: credential, FRAMESEEK_API_URL: api.runtime().url },
      stderr: 'pipe',
    });
    return { client: new McpClient({ name: 'frameseek-test', version: '1.0.0' }), transport };
  }

  it('lists the tools and runs search_videos through the API', async () => {
    const { client, transport } = stdioClient(owner.key);
    await client.connect(transport);
    try {
      const before = await searchesToday(owner.token);

      const { tools } = await client.listTools();
      const result = (await client.callTool({ name: 'search_videos', arguments: { query: sentence().text } })) as CallToolResult;
      const missing = (await client.callTool({ name: 'get_video', arguments: { video_id: strangerVideo } })) as CallToolResult;

      expect(tools.map((tool) => tool.name)).toEqual(TOOL_NAMES);
      expect(list(structured(result).clips)[0]).toMatchObject({ video_id: videoId, text_snippet: expect.stringContaining('stories') });
      expect(structured(missing)).toMatchObject({ detail: { code: 'VIDEO_NOT_FOUND' } });
      expect((await searchesToday(owner.token)) - before).toBe(1);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('exits 2 with a message when FRAMESEEK_API_KEY is missing', async () => {
    const child = spawn(process.execPath, ['bin/frameseek-mcp'], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    expect(code).toBe(2);
    expect(stderr).toContain('FRAMESEEK_API_KEY');
  }, 30_000);
});

it('the stdio server is a bin of the package', async () => {
  const manifest = JSON.parse(await readFile('package.json', 'utf8')) as { bin: Record<string, string> };

  expect(manifest.bin['frameseek-mcp']).toBe('bin/frameseek-mcp');
});

import type * as z from 'zod';
import { AppError, type FieldError } from '#lib/errors';
import type { Principal } from '#lib/auth/principal';
import { runSearch, type SearchResult } from '#lib/search/search';
import { getCollection, listCollections } from '#lib/collections/collections';
import { describeVideo, listVideos } from '#lib/videos/videos';
import { getJob } from '#lib/jobs/jobs';
import { cursorScope, pageMeta, pageRequest } from '#lib/pagination';
import { momentAt, transcriptOf } from '#lib/videos/text';
import { completeUpload } from '#lib/uploads/uploads';
import { createUrlUpload } from '#lib/uploads/url-ingest';
import { agentTools, type AgentToolInput, type AgentToolName, type agentClip } from '#lib/agent/definitions';

/**
 * What each agent tool does: the same domain call as its route, for the same principal, so auth,
 * tenant isolation, metering and errors are the routes' own. POST /v1/agent/call and the remote
 * MCP endpoint both run tools through `runAgentTool`.
 */
type Clip = z.output<typeof agentClip>;

type ToolRunners = { [TName in AgentToolName]: (principal: Principal, input: AgentToolInput<TName>) => Promise<unknown> };

const runners: ToolRunners = {
  search_videos: async (principal, input) => {
    const answer = await runSearch(
      principal,
      {
        query: input.query,
        image: input.image_url ? { url: input.image_url } : undefined,
        collectionId: input.collection_id,
        videoId: input.video_id,
        modes: input.modes,
        page: 1,
        perPage: input.max_videos,
        maxSegments: input.max_clips_per_video,
        includeHidden: false,
        collapseDuplicates: true,
        thumbnails: input.include_thumbnails ? 'base64' : 'url',
      },
      // The agent route's rate-limit decision is taken before its handler runs.
      Promise.resolve(),
    );
    return {
      clips: clipsOf(answer, input.include_thumbnails),
      total_videos: answer.meta.total,
      search_id: answer.meta.search_id,
      warnings: answer.meta.warnings,
    };
  },
  list_collections: async (principal, input) => {
    // The route's own cursor scope: a cursor from GET /v1/collections continues here, and the other way round.
    const scope = cursorScope(principal.accountId, 'collections');
    const page = await listCollections(principal.accountId, pageRequest(scope, input));
    const { total, page: number, per_page, next_cursor } = pageMeta(scope, page);
    return { collections: page.items, total, page: number, per_page, next_cursor };
  },
  get_collection: (principal, input) => getCollection(principal.accountId, input.collection_id),
  list_videos: async (principal, input) => {
    const scope = cursorScope(principal.accountId, 'videos', { collection_id: input.collection_id, status: input.status });
    const page = await listVideos(principal.accountId, { collectionId: input.collection_id, statuses: input.status }, pageRequest(scope, input));
    const { total, page: number, per_page, next_cursor } = pageMeta(scope, page);
    return { videos: page.items, total, page: number, per_page, next_cursor };
  },
  get_video: (principal, input) => describeVideo(principal.accountId, input.video_id),
  get_job_status: (principal, input) => getJob(principal.accountId, input.job_id),
  upload_video: (principal, input) => {
    if (input.upload_id !== undefined) return completeUpload(principal.accountId, input.upload_id, input.parts);
    if (input.source_url === undefined || input.collection_id === undefined) throw new AppError('VALIDATION_ERROR', 'send source_url with collection_id');
    return createUrlUpload(principal.accountId, { collectionId: input.collection_id, sourceUrl: input.source_url, filename: input.filename });
  },
  get_transcript: async (principal, input) => ({
    video_id: input.video_id,
    items: await transcriptOf(principal.accountId, input.video_id, input.include === 'ocr'),
  }),
  get_moment: (principal, input) => momentAt(principal.accountId, input.video_id, input.timestamp),
};

/** Search's videos-with-segments, flattened into clips in the answer's order (best video first, its segments by score). */
function clipsOf(answer: SearchResult, withThumbnails: boolean): Clip[] {
  return answer.data.flatMap((video) =>
    video.segments.map((segment) => ({
      video_id: video.video_id,
      filename: video.filename,
      start_secs: segment.timestamp_start,
      end_secs: segment.timestamp_end,
      relevance_score: segment.score,
      text_snippet: segment.text_content ?? null,
      clip_url: segment.video_url,
      thumbnail_url: segment.thumbnail_url ?? null,
      ...(withThumbnails && segment.thumbnail_base64 !== undefined ? { thumbnail_base64: segment.thumbnail_base64 } : {}),
    })),
  );
}

/**
 * Runs one tool for the caller: a write by a read_only key is FORBIDDEN (as on its route), the
 * input validates against the tool's schema (VALIDATION_ERROR paths start with `input.`), then the
 * domain call answers or throws the route's own AppError.
 */
export async function runAgentTool(principal: Principal, name: AgentToolName, rawInput: unknown): Promise<unknown> {
  const tool = agentTools[name];
  if (tool.writes && principal.permissions === 'read_only') {
    throw new AppError('FORBIDDEN', `This API key is read-only; ${name} makes changes and needs a key with "all" permissions`);
  }
  const input = validateInput(name, rawInput);
  const run = runners[name] as (principal: Principal, input: unknown) => Promise<unknown>;
  return run(principal, input);
}

/** The input's problems as the envelope's `fields`, each path under `input.` (the body's field that holds it). */
function inputFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue) => {
    const path = ['input', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: `${path}.${key}`, message: 'unknown field' }));
    return [{ path, message: issue.message }];
  });
}

function validateInput(name: AgentToolName, rawInput: unknown): unknown {
  const parsed = agentTools[name].input.safeParse(rawInput ?? {});
  if (parsed.success) return parsed.data;
  const fields = inputFieldErrors(parsed.error.issues);
  throw new AppError('VALIDATION_ERROR', `Invalid input for ${name}: ${fields.map((field) => `${field.path}: ${field.message}`).join('; ')}`, { fields });
}

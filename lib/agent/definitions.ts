import * as z from 'zod';
import { searchBody } from '#lib/search/schemas';
import { collectionParams, listCollectionsQuery } from '#lib/collections/schemas';
import { listVideosQuery, momentQuery, transcriptQuery, videoParams } from '#lib/videos/schemas';
import { jobParams } from '#lib/jobs/schemas';
import { completeUploadBody, createUploadBody, uploadParams } from '#lib/uploads/schemas';

/**
 * THE agent tool list (api.md "Agent tools"): names, descriptions and input schemas, built from the
 * fields of the routes' own schemas. GET /v1/agent/schema.json (OpenAI function calling), POST
 * /v1/agent/call, the remote MCP endpoint and the stdio MCP server all read it; what each tool does
 * is in lib/agent/tools.ts. This module needs nothing but zod, so the stdio server loads it without
 * the API's configuration.
 */
const search = searchBody.shape;
const urlUpload = createUploadBody.options[1].shape;

/** Agents send JSON: typed values only, no multipart text to coerce, so each field is the route's own. */
const searchVideosInput = z
  .strictObject({
    query: search.query.describe('What to find, in words: something seen, said or written on screen'),
    image_url: search.image_url.describe('An example picture (public http/https URL) to find similar moments'),
    collection_id: search.collection_id.describe('Search only this collection (default: every collection)'),
    video_id: search.video_id.describe('Search only this video'),
    modes: search.modes.describe('Where to look: video (frames), transcript (speech), ocr (on-screen text); default all'),
    max_videos: search.per_page.describe('How many videos to return clips from, best first (at most 10 with include_thumbnails)'),
    max_clips_per_video: search.max_segments.describe('How many clips per video, best first'),
    include_thumbnails: z.boolean().default(false).describe('Also return each clip’s thumbnail as base64 JPEG (thumbnail_base64)'),
  })
  .superRefine((input, context) => {
    if (!input.query && !input.image_url) context.addIssue({ code: 'custom', path: ['query'], message: 'one of query, image_url is required' });
    if (input.include_thumbnails && input.max_videos > 10) {
      context.addIssue({ code: 'custom', path: ['max_videos'], message: 'at most 10 with include_thumbnails' });
    }
  });

const uploadVideoInput = z
  .strictObject({
    source_url: urlUpload.source_url.optional().describe('A public http/https URL of the video file to fetch and index'),
    collection_id: urlUpload.collection_id.optional().describe('The collection to add the video to (with source_url)'),
    filename: urlUpload.filename.describe('A name for the video (with source_url; default: from the URL)'),
    upload_id: uploadParams.shape.upload_id.optional().describe('An upload started with POST /v1/uploads whose bytes are stored: finish it and start indexing'),
    parts: completeUploadBody.shape.parts.describe('For a multipart upload: the part numbers and ETags storage answered'),
  })
  .superRefine((input, context) => {
    if ((input.source_url === undefined) === (input.upload_id === undefined)) {
      context.addIssue({ code: 'custom', path: ['source_url'], message: 'send exactly one of source_url, upload_id' });
    }
    if (input.source_url !== undefined && input.collection_id === undefined) {
      context.addIssue({ code: 'custom', path: ['collection_id'], message: 'required with source_url' });
    }
  });

interface ToolDefinition<TInput extends z.ZodType> {
  description: string;
  input: TInput;
  /** A write: refused for a read_only key, as its route would be. */
  writes: boolean;
}

function tool<TInput extends z.ZodType>(definition: ToolDefinition<TInput>): ToolDefinition<TInput> {
  return definition;
}

export const agentTools = {
  search_videos: tool({
    description:
      'Find moments in the account’s videos by a sentence and/or an example image, over what is seen, said and written on screen. ' +
      'Returns clips (video, start and end second, relevance 0–1, matching text, a playable link starting at the clip). Metered like POST /v1/search.',
    input: searchVideosInput,
    writes: false,
  }),
  list_collections: tool({
    description: 'List the account’s collections (id, name, video count), newest first.',
    input: listCollectionsQuery,
    writes: false,
  }),
  get_collection: tool({
    description: 'One collection with its video count, total duration and storage.',
    input: collectionParams,
    writes: false,
  }),
  list_videos: tool({
    description: 'List videos (id, filename, status, duration), newest first; filter by collection_id and status (uploading, processing, ready, failed).',
    input: listVideosQuery,
    writes: false,
  }),
  get_video: tool({
    description: 'One video: status, duration, size, models it was indexed with, and a playback URL valid for about an hour.',
    input: videoParams,
    writes: false,
  }),
  get_job_status: tool({
    description: 'Where an indexing job stands: status (queued, processing, done, failed), stage, progress percent and error.',
    input: jobParams,
    writes: false,
  }),
  upload_video: tool({
    description:
      'Add a video: from a public URL (source_url + collection_id; Frameseek fetches it), or finish an upload whose bytes were sent to the URL of POST /v1/uploads (upload_id). ' +
      'Returns the job to follow with get_job_status. Indexing is charged per minute of video.',
    input: uploadVideoInput,
    writes: true,
  }),
  get_transcript: tool({
    description: 'What is said in a video, sentence by sentence with start and end seconds; include="ocr" adds text shown on screen.',
    input: videoParams.extend({ include: transcriptQuery.shape.include }),
    writes: false,
  }),
  get_moment: tool({
    description: 'What is at one instant of a video: thumbnail URL, the words said and the text on screen at that second.',
    input: videoParams.extend(momentQuery.shape),
    writes: false,
  }),
} as const;

export type AgentTools = typeof agentTools;
export type AgentToolName = keyof AgentTools;
export type AgentToolInput<TName extends AgentToolName> = z.output<AgentTools[TName]['input']>;

export const AGENT_TOOL_NAMES = Object.keys(agentTools) as [AgentToolName, ...AgentToolName[]];

export function isAgentToolName(name: string): name is AgentToolName {
  return Object.hasOwn(agentTools, name);
}

/** A tool's input as JSON Schema: what a caller may send (defaults are optional), without the draft marker. */
export function inputJsonSchema(name: AgentToolName): Record<string, unknown> {
  const { $schema: _draft, ...schema } = z.toJSONSchema(agentTools[name].input, { io: 'input', unrepresentable: 'any' });
  return schema;
}

/** One tool in OpenAI's function-calling format ({type: "function", function: {name, description, parameters}}). */
export interface FunctionTool {
  type: 'function';
  function: { name: AgentToolName; description: string; parameters: Record<string, unknown> };
}

export function functionCallingTools(): FunctionTool[] {
  return AGENT_TOOL_NAMES.map((name) => ({
    type: 'function',
    function: { name, description: agentTools[name].description, parameters: inputJsonSchema(name) },
  }));
}

/** POST /v1/agent/call body: the tool's name and its input (checked against the tool's schema when it runs). */
export const agentCallBody = z.strictObject({
  tool: z.enum(AGENT_TOOL_NAMES),
  input: z.record(z.string(), z.unknown()).default({}),
});

/** A clip of search_videos: one moment of one video (api.md "Agent tools"). */
export const agentClip = z.object({
  video_id: z.string(),
  filename: z.string(),
  start_secs: z.number(),
  end_secs: z.number(),
  relevance_score: z.number(),
  text_snippet: z.string().nullable(),
  clip_url: z.string(),
  thumbnail_url: z.string().nullable(),
  thumbnail_base64: z.string().optional(),
});

export const agentCallResult = z.unknown().describe('The tool’s output; search_videos answers {clips: [Clip], total_videos, search_id, warnings}');

export const functionToolView = z.object({
  type: z.literal('function'),
  function: z.object({ name: z.enum(AGENT_TOOL_NAMES), description: z.string(), parameters: z.record(z.string(), z.unknown()) }),
});

/** POST /mcp body: one JSON-RPC 2.0 message or a batch; the MCP transport checks the rest. */
const jsonRpcMessage = z.looseObject({ jsonrpc: z.literal('2.0') });
export const mcpMessage = z.union([jsonRpcMessage, z.array(jsonRpcMessage).min(1)]);

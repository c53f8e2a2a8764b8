import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type CallToolResult,
  type Resource,
} from '@modelcontextprotocol/sdk/types.js';
import { AGENT_TOOL_NAMES, agentTools, inputJsonSchema, isAgentToolName, type AgentToolName } from '#lib/agent/definitions';

/**
 * The MCP server of the agent tools (api.md "Agent tools"), one build for both ways it is reached:
 * the remote endpoint POST /mcp runs each tool in-process for the request's principal, the stdio
 * server (bin/frameseek-mcp) sends each call to POST /v1/agent/call. Tools are described by the same
 * JSON Schemas as GET /v1/agent/schema.json and validated where they run. This module needs
 * nothing but the tool definitions, so the stdio server loads it without the API's configuration.
 */

/** A tool's answer, or the error envelope's `detail` ({code, message, …}) it failed with. */
export type ToolOutcome = { ok: true; data: unknown } | { ok: false; error: { code: string; message: string } & Record<string, unknown> };

export type ToolCaller = (name: AgentToolName, input: Record<string, unknown>) => Promise<ToolOutcome>;

export const TRANSCRIPT_URI_TEMPLATE = 'frameseek://videos/{video_id}/transcript';
const TRANSCRIPT_URI = /^frameseek:\/\/videos\/([^/]+)\/transcript$/;

export function transcriptUri(videoId: string): string {
  return `frameseek://videos/${encodeURIComponent(videoId)}/transcript`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Text for the model (the JSON answer, thumbnails left out of it), structured content for programs,
 * and each clip's thumbnail as an image when search_videos was asked for them.
 */
export function toolResult(outcome: ToolOutcome): CallToolResult {
  if (!outcome.ok) {
    const detail = outcome.error;
    return { isError: true, content: [{ type: 'text', text: JSON.stringify({ detail }) }], structuredContent: { detail } };
  }
  const structured = isRecord(outcome.data) ? outcome.data : { result: outcome.data };
  const images: CallToolResult['content'] = [];
  const clips = Array.isArray(structured.clips) ? structured.clips.filter(isRecord) : [];
  for (const clip of clips) {
    if (typeof clip.thumbnail_base64 === 'string') images.push({ type: 'image', data: clip.thumbnail_base64, mimeType: 'image/jpeg' });
  }
  const text = JSON.stringify(structured, (key, value: unknown) => (key === 'thumbnail_base64' ? undefined : value));
  return { content: [{ type: 'text', text }, ...images], structuredContent: structured };
}

function transcriptText(data: unknown): string {
  const items = isRecord(data) && Array.isArray(data.items) ? data.items.filter(isRecord) : [];
  return items.map((item) => `[${Number(item.start).toFixed(1)}–${Number(item.end).toFixed(1)}] ${String(item.text)}`).join('\n');
}

export function createMcpServer(call: ToolCaller, version: string): Server {
  const server = new Server({ name: 'frameseek', version }, { capabilities: { tools: {}, resources: {} } });

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: AGENT_TOOL_NAMES.map((name) => ({
      name,
      description: agentTools[name].description,
      inputSchema: { type: 'object' as const, ...inputJsonSchema(name) },
      annotations: { readOnlyHint: !agentTools[name].writes, openWorldHint: false },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name, arguments: input } = request.params;
    if (!isAgentToolName(name)) throw new McpError(ErrorCode.InvalidParams, `Unknown tool ${name}; tools/list names them`);
    return toolResult(await call(name, input ?? {}));
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: [
      {
        uriTemplate: TRANSCRIPT_URI_TEMPLATE,
        name: 'transcript',
        title: 'Video transcript',
        description: 'What is said in a video, one sentence a line with its start and end seconds',
        mimeType: 'text/plain',
      },
    ],
  }));

  // The ready videos' transcripts (the first page of them); a failure lists none rather than failing the client.
  server.setRequestHandler(ListResourcesRequestSchema, async () => {
    const listed = await call('list_videos', { status: 'ready', per_page: 100 });
    const videos = listed.ok && isRecord(listed.data) && Array.isArray(listed.data.videos) ? listed.data.videos.filter(isRecord) : [];
    const resources: Resource[] = videos.map((video) => ({
      uri: transcriptUri(String(video.id)),
      name: `transcript of ${String(video.filename)}`,
      mimeType: 'text/plain',
    }));
    return { resources };
  });

  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const videoId = request.params.uri.match(TRANSCRIPT_URI)?.[1];
    if (videoId === undefined) throw new McpError(ErrorCode.InvalidParams, `Unknown resource ${request.params.uri}; see resources/templates/list`);
    const outcome = await call('get_transcript', { video_id: decodeURIComponent(videoId) });
    if (!outcome.ok) throw new McpError(ErrorCode.InvalidParams, `${outcome.error.code}: ${outcome.error.message}`, { detail: outcome.error });
    return { contents: [{ uri: request.params.uri, mimeType: 'text/plain', text: transcriptText(outcome.data) }] };
  });

  return server;
}

import { createRequire } from 'node:module';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer, type ToolCaller, type ToolOutcome } from '#lib/agent/mcp-server';

/**
 * `frameseek-mcp`: the agent tools as an MCP server over stdio, for clients that start a local
 * process (Claude Desktop, Cursor, …). It lists the tools from the same definitions as the API and
 * runs each call through POST /v1/agent/call, so the API decides auth, limits, metering and errors.
 * Env: FRAMESEEK_API_KEY (required), FRAMESEEK_API_URL (default the local runtime). Nothing but
 * MCP messages may go to stdout; diagnostics go to stderr.
 */
const DEFAULT_API_URL = 'http://127.0.0.1:8787';
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const apiKey = process.env.FRAMESEEK_API_KEY;
const apiUrl = process.env.FRAMESEEK_API_URL ?? DEFAULT_API_URL;
if (!apiKey) {
  process.stderr.write('frameseek-mcp: set FRAMESEEK_API_KEY to an API key (fsk_…) or a session token\n');
  process.exit(2);
}
if (!URL.canParse(apiUrl)) {
  process.stderr.write(`frameseek-mcp: FRAMESEEK_API_URL is not a URL: ${apiUrl}\n`);
  process.exit(2);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const callOverHttp: ToolCaller = async (tool, input): Promise<ToolOutcome> => {
  let response: Response;
  try {
    response = await fetch(new URL('/v1/agent/call', apiUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tool, input }),
    });
  } catch (error) {
    return { ok: false, error: { code: 'API_UNREACHABLE', message: `Could not reach ${apiUrl}: ${String(error)}` } };
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.ok && isRecord(body) && 'data' in body) return { ok: true, data: body.data };
  const detail = isRecord(body) && isRecord(body.detail) ? body.detail : undefined;
  if (detail && typeof detail.code === 'string' && typeof detail.message === 'string') {
    return { ok: false, error: { ...detail, code: detail.code, message: detail.message } };
  }
  return { ok: false, error: { code: 'BAD_RESPONSE', message: `The API answered ${response.status} without an error envelope` } };
};

const server = createMcpServer(callOverHttp, version);
await server.connect(new StdioServerTransport());

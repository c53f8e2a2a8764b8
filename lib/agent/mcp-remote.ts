import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { config } from '#lib/config';
import { AppError, ERROR_CATALOGUE } from '#lib/errors';
import { logError } from '#lib/log';
import type { Principal } from '#lib/auth/principal';
import { runAgentTool } from '#lib/agent/tools';
import { createMcpServer, type ToolCaller } from '#lib/agent/mcp-server';

/**
 * POST /mcp: one MCP Streamable HTTP message, answered statelessly (no session survives the
 * request, so any Lambda instance can answer the next one) with a JSON body rather than an event
 * stream. Credential, rate limit and request id were settled by the HTTP chain before this runs;
 * tools run in-process for that principal, and a tool's refusal is an MCP tool error carrying the
 * envelope's `detail`.
 */
export interface McpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The headers the transport reads: content negotiation and the protocol version. */
const FORWARDED_HEADERS = ['accept', 'content-type', 'mcp-protocol-version'] as const;

function inProcessCaller(principal: Principal, requestId: string): ToolCaller {
  return async (name, input) => {
    try {
      return { ok: true, data: await runAgentTool(principal, name, input) };
    } catch (error) {
      if (error instanceof AppError) return { ok: false, error: { code: error.code, message: error.message, request_id: requestId, ...error.extras } };
      logError('mcp tool failed', { request_id: requestId, tool: name, error });
      return { ok: false, error: { code: 'INTERNAL_ERROR', message: ERROR_CATALOGUE.INTERNAL_ERROR.message, request_id: requestId } };
    }
  };
}

export async function answerMcpMessage(
  principal: Principal,
  message: unknown,
  header: (name: string) => string | undefined,
  requestId: string,
): Promise<McpReply> {
  const server = createMcpServer(inProcessCaller(principal, requestId), config.FRAMESEEK_VERSION);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await server.connect(transport);
  try {
    const headers = new Headers();
    for (const name of FORWARDED_HEADERS) {
      const value = header(name);
      if (value !== undefined) headers.set(name, value);
    }
    const request = new Request('http://frameseek.invalid/mcp', { method: 'POST', headers, body: JSON.stringify(message) });
    const response = await transport.handleRequest(request, { parsedBody: message });
    return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
  } finally {
    await server.close();
  }
}

import { apiHandler } from '#lib/http/api-handler';
import { answerMcpMessage } from '#lib/agent/mcp-remote';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.mcp, async ({ principal, body, header, requestId }) => ({
  reply: await answerMcpMessage(principal, body, header, requestId),
}));

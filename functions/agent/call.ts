import { apiHandler } from '#lib/http/api-handler';
import { runAgentTool } from '#lib/agent/tools';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.agentCall, async ({ principal, body }) => ({
  data: await runAgentTool(principal, body.tool, body.input),
}));

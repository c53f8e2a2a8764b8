import { apiHandler } from '#lib/http/api-handler';
import { functionCallingTools } from '#lib/agent/definitions';
import { routes } from '#functions/routes';

const tools = functionCallingTools();

export const handler = apiHandler(routes.agentSchema, async () => ({ data: tools }));

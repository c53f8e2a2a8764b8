import { describe, expect, it } from 'vitest';
import { createKey, errorOf, signUp, useTestApi, type ApiResponse } from '#test/support/api';
import { routes } from '#functions/routes';

/**
 * A read_only API key over HTTP, route by route from the route table: refused with FORBIDDEN on
 * every route whose `writes` flag is set, whatever its method, and never refused on the others
 * (search, suggest, the agent's reads and every GET). The search test (test/functions/search.test.ts)
 * shows the reads returning an indexed video's data; here each read gets past authentication to what
 * it answers for ids that do not exist and empty bodies (200, 404 or 422), never FORBIDDEN.
 */

const api = useTestApi();

const keyRoutes = Object.entries(routes).filter(([, route]) => route.auth === 'key');

async function call(method: string, path: string, token: string): Promise<ApiResponse> {
  const filled = path.replace(/\{[a-z_]+\}/g, (name) => `${name.slice(1, -1).split('_')[0] ?? 'x'}_0000000000000000`);
  const body = method === 'GET' || method === 'DELETE' ? undefined : {};
  if (method === 'GET') return api.get(filled, { token });
  if (method === 'DELETE') return api.delete(filled, { token });
  if (method === 'PATCH') return api.patch(filled, { token, body });
  if (method === 'PUT') return api.put(filled, { token, body });
  return api.post(filled, { token, body });
}

describe('a read_only API key, every route of the table', () => {
  it('is refused with FORBIDDEN on every route that writes, and on none that reads', async () => {
    const { token } = await signUp(api);
    const { key } = await createKey(api, token, 'read_only');

    const answers: { name: string; writes: boolean; status: number; code: unknown }[] = [];
    for (const [name, route] of keyRoutes) {
      const response = await call(route.method, route.path, key);
      answers.push({ name, writes: route.writes, status: response.status, code: response.status >= 400 ? errorOf(response).code : undefined });
    }
    const writes = answers.filter((answer) => answer.writes);
    const reads = answers.filter((answer) => !answer.writes);

    expect(writes.length).toBeGreaterThan(15);
    expect(reads.map((answer) => answer.name)).toEqual(expect.arrayContaining(['search', 'suggest', 'videoTranscript', 'videoMoment', 'listVideos']));
    expect(writes.filter((answer) => answer.status !== 403 || answer.code !== 'FORBIDDEN')).toEqual([]);
    // Past authentication: answered (202: a frame map started in the background), not found, or the empty body refused by validation.
    expect(reads.filter((answer) => ![200, 202, 404, 422].includes(answer.status))).toEqual([]);
  });
});

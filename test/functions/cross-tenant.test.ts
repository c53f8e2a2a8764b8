import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '#functions/routes';
import { createKey, signUp, useTestApi, type ApiResponse } from '#test/support/api';

/**
 * The cross-tenant probe (issue 19, "The suites that prove it"), generated from the route table: every
 * route with an id in its path, called by account B with account A's ids, answers exactly what it answers
 * for ids that exist nowhere — same status, code and message (errors.md: never reveal which).
 */
beforeAll(() => {
  // A's webhook endpoint points at a loopback port nothing listens on: it is only looked up, never called.
  process.env.FRAMESEEK_URL_GUARD_ALLOW = '127.0.0.1:9';
});
const api = useTestApi();

/** A's ids by path parameter name; filled in beforeAll. */
const owned: Record<string, string> = {};
let strangerToken = '';

function missingId(prefix: string): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  return prefix + Array.from(randomBytes(26), (byte) => alphabet[byte % alphabet.length]).join('');
}

const MISSING: Record<string, () => string> = {
  collection_id: () => missingId('col_'),
  video_id: () => missingId('vid_'),
  job_id: () => missingId('job_'),
  upload_id: () => missingId('upl_'),
  key_id: () => missingId('key_'),
  webhook_id: () => missingId('wh_'),
  delivery_id: () => missingId('del_'),
};

/** The smallest body or query each id route validates, so the answer is about the id, not the shape. */
const VALID_INPUT: Record<string, { body?: unknown; query?: string }> = {
  renameCollection: { body: { name: 'renamed' } },
  completeUpload: { body: {} },
  videoMoment: { query: '?timestamp=1' },
  updateWebhook: { body: { is_active: false } },
};

beforeAll(async () => {
  const owner = await signUp(api);
  const collection = await api.post('/v1/collections', { token: owner.token, body: { name: 'Private' } });
  const upload = await api.post('/v1/uploads', {
    token: owner.token,
    body: { collection_id: collection.body.data.id, filename: 'a.mp4', size_bytes: 1000, content_type: 'video/mp4' },
  });
  const key = await createKey(api, owner.token);
  const webhook = await api.post('/v1/webhooks', { token: owner.token, body: { url: 'http://127.0.0.1:9/hook' } });
  expect([collection.status, upload.status, webhook.status]).toEqual([201, 201, 201]);
  Object.assign(owned, {
    collection_id: String(collection.body.data.id),
    video_id: String(upload.body.data.video_id),
    job_id: String(upload.body.data.job_id),
    upload_id: String(upload.body.data.upload_id),
    key_id: key.id,
    webhook_id: String(webhook.body.data.id),
    // No delivery exists yet: the owner's endpoint with an unknown delivery is still the owner's path.
    delivery_id: missingId('del_'),
  });
  strangerToken = (await signUp(api)).token;
});

const idRoutes = Object.entries(routes).filter(([, route]) => /\{[a-z_]+\}/.test(route.path));

function call(name: string, path: string): Promise<ApiResponse> {
  const route = routes[name as keyof typeof routes];
  const input = VALID_INPUT[name] ?? {};
  const target = `${path}${input.query ?? ''}`;
  const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'put' | 'delete';
  return api[method](target, { token: strangerToken, ...(input.body !== undefined ? { body: input.body } : {}) });
}

function fill(path: string, ids: (param: string) => string): string {
  return path.replace(/\{([a-z_]+)\}/g, (_, param: string) => ids(param));
}

describe("another account's ids", () => {
  it('the route table has id routes for every kind of id', () => {
    const params = new Set(idRoutes.flatMap(([, route]) => [...route.path.matchAll(/\{([a-z_]+)\}/g)].map((match) => match[1])));

    expect([...params].sort()).toEqual(Object.keys(MISSING).sort());
  });

  it.each(idRoutes.map(([name, route]) => [name, route.method, route.path]))('%s (%s %s) answers as for a missing id', async (name, _method, path) => {
    const withOwnersIds = await call(
      name,
      fill(path, (param) => owned[param] ?? ''),
    );
    const withMissingIds = await call(
      name,
      fill(path, (param) => MISSING[param]?.() ?? ''),
    );

    expect(withOwnersIds.status).toBe(404);
    expect({ status: withOwnersIds.status, code: withOwnersIds.body.detail.code, message: withOwnersIds.body.detail.message }).toEqual({
      status: withMissingIds.status,
      code: withMissingIds.body.detail.code,
      message: withMissingIds.body.detail.message,
    });
  });
});

import { randomBytes, scryptSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createKey, errorOf, PASSWORD, signUp, useTestApi } from '#test/support/api';
import { storedItem } from '#test/support/table';
import { useClock, useSystemClock } from '#lib/clock';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';

const api = useTestApi();
const HOUR = 60 * 60 * 1000;

afterEach(() => useSystemClock());

function travel(offsetMs: number): void {
  useClock({ now: () => new Date(Date.now() + offsetMs) });
}

describe('POST /v1/auth/signup', () => {
  it('creates a Free account with a session', async () => {
    const email = `New.Person+${Date.now()}@Example.com`;

    const response = await api.post('/v1/auth/signup', { body: { email, password: PASSWORD } });

    expect(response.status).toBe(201);
    const { account, session } = response.body.data;
    expect(account).toEqual({
      id: expect.stringMatching(/^acc_[0-9a-z]{26}$/),
      email: email.toLowerCase(),
      plan: 'free',
      credits_micros: 5_000_000,
      usage: { searches_today: 0, search_quota: 30, storage_bytes: 0, storage_limit_bytes: 500_000_000 },
      created_at: expect.any(String),
    });
    expect(session.token).toMatch(/^fss_/);
    expect(Date.parse(String(session.expires_at)) - Date.now()).toBeGreaterThan(11 * HOUR);
  });

  it('refuses a second account for the same email, whatever its case', async () => {
    const { email } = await signUp(api);

    const response = await api.post('/v1/auth/signup', { body: { email: email.toUpperCase(), password: PASSWORD } });

    expect(response.status).toBe(409);
    expect(errorOf(response).code).toBe('ACCOUNT_EXISTS');
  });

  it('gives exactly one account to concurrent sign-ups of one email', async () => {
    const email = `race-${Date.now()}@example.com`;

    const responses = await Promise.all(Array.from({ length: 5 }, () => api.post('/v1/auth/signup', { body: { email, password: PASSWORD } })));

    expect(responses.map((response) => response.status).sort()).toEqual([201, 409, 409, 409, 409]);
  });

  it.each([
    [{ email: 'not-an-email', password: PASSWORD }, 'email'],
    [{ email: 'short@example.com', password: 'short' }, 'password'],
    [{ email: 'x@example.com' }, 'password'],
    [{ email: 'x@example.com', password: PASSWORD, plan: 'payg' }, 'plan'],
  ])('answers VALIDATION_ERROR naming the field for %j', async (body, field) => {
    const response = await api.post('/v1/auth/signup', { body });

    expect(response.status).toBe(422);
    expect(errorOf(response).code).toBe('VALIDATION_ERROR');
    expect(errorOf(response).fields).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
  });

  it('answers BAD_REQUEST for broken JSON and for another content type', async () => {
    const broken = await api.post('/v1/auth/signup', { rawBody: '{"email": ' });
    const form = await api.post('/v1/auth/signup', { rawBody: 'email=a@b.c', contentType: 'application/x-www-form-urlencoded' });

    expect([broken.status, form.status]).toEqual([400, 400]);
    expect(errorOf(broken).code).toBe('BAD_REQUEST');
    expect(errorOf(form).code).toBe('BAD_REQUEST');
  });
});

describe('POST /v1/auth/login', () => {
  it('starts a new session for the right pair', async () => {
    const { email, accountId } = await signUp(api);

    const response = await api.post('/v1/auth/login', { body: { email, password: PASSWORD } });

    expect(response.status).toBe(200);
    expect(response.body.data.account.id).toBe(accountId);
    const account = await api.get('/v1/account', { token: String(response.body.data.session.token) });
    expect(account.body.data.id).toBe(accountId);
  });

  it('gives the same answer for a wrong password and an unknown email', async () => {
    const { email } = await signUp(api);

    const wrongPassword = await api.post('/v1/auth/login', { body: { email, password: 'not the password at all' } });
    const unknownEmail = await api.post('/v1/auth/login', { body: { email: `nobody-${Date.now()}@example.com`, password: PASSWORD } });

    expect([wrongPassword.status, unknownEmail.status]).toEqual([401, 401]);
    expect(errorOf(wrongPassword).code).toBe('UNAUTHORIZED');
    expect(errorOf(wrongPassword).message).toBe(errorOf(unknownEmail).message);
  });

  it('rehashes a password stored at an older, lower cost at the next successful log-in, not at a failed one', async () => {
    const { email, accountId } = await signUp(api);
    const salt = randomBytes(16);
    const weakHash = [
      'scrypt',
      2 ** 10,
      8,
      1,
      salt.toString('base64url'),
      scryptSync(PASSWORD, salt, 32, { N: 2 ** 10, r: 8, p: 1 }).toString('base64url'),
    ].join('$');
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.account(accountId),
        UpdateExpression: 'SET password_hash = :hash',
        ExpressionAttributeValues: { ':hash': weakHash },
      }),
    );

    const wrong = await api.post('/v1/auth/login', { body: { email, password: 'not the password at all' } });
    const afterWrong = await storedItem(keys.account(accountId));
    const right = await api.post('/v1/auth/login', { body: { email, password: PASSWORD } });
    const afterRight = await storedItem(keys.account(accountId));
    const again = await api.post('/v1/auth/login', { body: { email, password: PASSWORD } });

    expect([wrong.status, right.status, again.status]).toEqual([401, 200, 200]);
    expect(afterWrong?.password_hash).toBe(weakHash);
    // The test stage's cost (FRAMESEEK_SCRYPT_LOG2_N=12, test/support/per-file-env.ts); production's is 2^17.
    expect(String(afterRight?.password_hash)).toMatch(/^scrypt\$4096\$8\$1\$/);
  });
});

describe('credentials', () => {
  it('UNAUTHORIZED without a credential or with one of no known shape', async () => {
    const missing = await api.get('/v1/account');
    const garbage = await api.get('/v1/account', { token: 'hello' });
    const basic = await api.get('/v1/account', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });

    expect([missing.status, garbage.status, basic.status]).toEqual([401, 401, 401]);
    expect([errorOf(missing).code, errorOf(garbage).code, errorOf(basic).code]).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED']);
  });

  it('INVALID_API_KEY for a well-formed key that does not exist', async () => {
    const response = await api.get('/v1/account', { token: `fsk_${'A'.repeat(43)}` });

    expect(response.status).toBe(401);
    expect(errorOf(response).code).toBe('INVALID_API_KEY');
  });

  it('SESSION_EXPIRED for an unknown session token', async () => {
    const response = await api.get('/v1/account', { token: `fss_${'B'.repeat(43)}` });

    expect(response.status).toBe(401);
    expect(errorOf(response).code).toBe('SESSION_EXPIRED');
  });

  it('checks the credential before the body (order of "Which error wins")', async () => {
    const response = await api.post('/v1/collections', { rawBody: '{broken', token: `fsk_${'C'.repeat(43)}` });

    expect(errorOf(response).code).toBe('INVALID_API_KEY');
  });
});

describe('session lifetime', () => {
  it('logout revokes the session on the very next request', async () => {
    const { token } = await signUp(api);

    const logout = await api.post('/v1/auth/logout', { token });
    const after = await api.get('/v1/account', { token });

    expect(logout.status).toBe(204);
    expect(logout.text).toBe('');
    expect(after.status).toBe(401);
    expect(errorOf(after).code).toBe('SESSION_EXPIRED');
  });

  it('logout takes a session, not an API key', async () => {
    const { token } = await signUp(api);
    const { key } = await createKey(api, token);

    const response = await api.post('/v1/auth/logout', { token: key });

    expect(response.status).toBe(403);
    expect(errorOf(response).code).toBe('FORBIDDEN');
  });

  it('expires after 12 idle hours', async () => {
    const { token } = await signUp(api);
    travel(12 * HOUR + 1000);

    const response = await api.get('/v1/account', { token });

    expect(response.status).toBe(401);
    expect(errorOf(response).code).toBe('SESSION_EXPIRED');
  });

  it('slides while in use, but never past 7 days', async () => {
    const { token } = await signUp(api);
    const statuses: number[] = [];

    for (let hours = 10; hours < 7 * 24; hours += 10) {
      travel(hours * HOUR);
      statuses.push((await api.get('/v1/account', { token })).status);
    }
    travel(7 * 24 * HOUR + 1000);
    const afterSevenDays = await api.get('/v1/account', { token });

    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(afterSevenDays.status).toBe(401);
    expect(errorOf(afterSevenDays).code).toBe('SESSION_EXPIRED');
  });
});

describe('GET /v1/account', () => {
  it('answers the same account for its session and its API key', async () => {
    const { token, accountId } = await signUp(api);
    const { key } = await createKey(api, token, 'read_only');

    const bySession = await api.get('/v1/account', { token });
    const byKey = await api.get('/v1/account', { token: key });

    expect(bySession.body.data).toEqual(byKey.body.data);
    expect(byKey.body.data.id).toBe(accountId);
  });

  it('refuses unknown query parameters', async () => {
    const { token } = await signUp(api);

    const response = await api.get('/v1/account?verbose=1', { token });

    expect(response.status).toBe(422);
    expect(errorOf(response).fields).toEqual([{ path: 'verbose', message: 'unknown query parameter' }]);
  });
});

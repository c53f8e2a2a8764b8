import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKey, PASSWORD, signUp, useTestApi } from '#test/support/api';
import { configHome, frameseek, printed, type CliRun } from '#test/support/cli';

/** `frameseek login`, `logout`, `keys …` and `billing`, spawned against the real local runtime. */

const api = useTestApi();

function env(config: string, extra: Record<string, string> = {}): Record<string, string> {
  return { FRAMESEEK_API_URL: api.runtime().url, XDG_CONFIG_HOME: config, ...extra };
}

async function loggedIn(): Promise<{ config: string; email: string; login: CliRun }> {
  const { email } = await signUp(api);
  const config = configHome();
  const login = await frameseek(['login', '--email', email, '--password-stdin'], { env: env(config), stdin: `${PASSWORD}\n` });
  return { config, email, login };
}

/** One line on stderr, `error: CODE: message`, and no stack trace. */
function expectOneLineError(run: CliRun, code: string): void {
  expect(run.stderr).toMatch(new RegExp(`^error: ${code}: .+\\n$`));
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe('frameseek login', () => {
  it('saves the session in $XDG_CONFIG_HOME/frameseek/session.json, readable by the user only', async () => {
    const { config, email, login } = await loggedIn();
    const file = join(config, 'frameseek', 'session.json');

    const mode = (await stat(file)).mode & 0o777;

    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`as ${email}`);
    expect(login.stdout).not.toContain('fss_');
    expect(mode).toBe(0o600);
  });

  it('refuses a wrong password with the API code on one line, and saves nothing', async () => {
    const { email } = await signUp(api);
    const config = configHome();

    const run = await frameseek(['login', '--email', email, '--password-stdin'], { env: env(config), stdin: 'not the password\n' });
    const saved = await stat(join(config, 'frameseek', 'session.json')).catch(() => undefined);

    expect(run.code).toBe(1);
    expectOneLineError(run, 'UNAUTHORIZED');
    expect(saved).toBeUndefined();
  });
});

describe('frameseek keys', () => {
  it('creates a key (shown once), lists it and revokes it, on the saved session', async () => {
    const { config } = await loggedIn();

    const created = await frameseek(['keys', 'create', '--name', 'ci runner', '--permissions', 'read_only'], { env: env(config) });
    const keyId = printed(created, 'id');
    const listed = await frameseek(['keys', 'list'], { env: env(config) });
    const revoked = await frameseek(['keys', 'revoke', keyId], { env: env(config) });
    const asJson = await frameseek(['keys', 'list', '--json'], { env: env(config) });

    expect(created.code).toBe(0);
    expect(printed(created, 'key')).toMatch(/^fsk_/);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+PREFIX\s+PERMISSIONS\s+CREATED\s+LAST USED\s+REVOKED$/m);
    expect(listed.stdout).toMatch(new RegExp(`^${keyId}\\s+ci runner\\s+fsk_\\S+\\s+read_only\\s`, 'm'));
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${keyId}\n` });
    expect(JSON.parse(asJson.stdout).data).toEqual([expect.objectContaining({ id: keyId, revoked_at: expect.any(String) })]);
  });

  it('with only an API key, answers the API refusal (keys take a session)', async () => {
    const { token } = await signUp(api);
    const { key } = await createKey(api, token);

    const run = await frameseek(['keys', 'list'], { env: env(configHome(), { FRAMESEEK_API_KEY: key }) });

    expect(run.code).toBe(1);
    expectOneLineError(run, 'FORBIDDEN');
  });
});

describe('frameseek billing', () => {
  it('shows the plan and the trial credit', async () => {
    const { config } = await loggedIn();

    const run = await frameseek(['billing'], { env: env(config) });
    const asJson = await frameseek(['billing', '--json'], { env: env(config) });

    expect(run.code).toBe(0);
    expect(printed(run, 'plan')).toBe('free');
    expect(printed(run, 'credits')).toBe('$5.00');
    expect(JSON.parse(asJson.stdout).data).toMatchObject({ plan: 'free', credits_micros: 5_000_000 });
  });
});

describe('frameseek logout', () => {
  it('ends the session on the API and forgets it here', async () => {
    const { config } = await loggedIn();
    const session = JSON.parse(await readFile(join(config, 'frameseek', 'session.json'), 'utf8'));

    const run = await frameseek(['logout'], { env: env(config) });
    const afterwards = await frameseek(['keys', 'list'], { env: env(config) });
    const oldToken = await api.get('/v1/api_keys', { token: session.token });

    expect(run.code).toBe(0);
    expect(afterwards.code).toBe(1);
    expectOneLineError(afterwards, 'NOT_LOGGED_IN');
    expect(oldToken.status).toBe(401);
  });
});

describe('the command line itself', () => {
  it.each(
    [
      ['login'],
      ['logout'],
      ['keys', 'list'],
      ['keys', 'create'],
      ['keys', 'revoke'],
      ['billing'],
      ['collections', 'list'],
      ['videos', 'transcript'],
      ['jobs', 'watch'],
      ['search'],
    ].map((words) => [words.join(' '), words] as const),
  )('%s has --help and --json', async (_name, words) => {
    const run = await frameseek([...words, '--help']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: frameseek ${words.join(' ')}`);
    expect(run.stdout).toContain('--json');
  });

  it('exits 2 on a wrong command line', async () => {
    const run = await frameseek(['collections', 'lst']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error: unknown command 'lst'");
  });
});

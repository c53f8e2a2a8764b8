import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { client, PASSWORD } from '#test/support/api';
import { media } from '#test/support/media';
import { runProcess, type CliRun } from '#test/support/cli';
import { PROJECT_ROOT } from '#infra/local/runtime';
import { readListenFile, type ListenRecord } from '#infra/local/listen-file';

/**
 * `npm start` and `bin/frameseek` as a new user meets them: no settings beyond the data folder, the CLI
 * finding the server by itself, signals to npm stopping everything, ports kept across a restart.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'frameseek-npm-start-'));
const emptyDir = mkdtempSync(join(tmpdir(), 'frameseek-no-server-'));
const running: ChildProcess[] = [];
afterAll(() => {
  for (const child of running) if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
  for (const directory of [dataDir, emptyDir]) rmSync(directory, { recursive: true, force: true });
});

/** What a user's shell passes on: no FRAMESEEK_* or AWS_* settings of the test run. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

interface Started {
  npm: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function npmStart(env: Record<string, string>): Started {
  const npm = spawn('npm', ['start'], { cwd: PROJECT_ROOT, env: userEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.push(npm);
  let output = '';
  npm.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  return { npm, output: () => output, exited };
}

async function listening(started: Started, directory: string): Promise<ListenRecord> {
  for (let waited = 0; waited < 180_000; waited += 200) {
    const record = readListenFile(directory);
    if (record && started.output().includes('listening on')) return record;
    if (started.npm.exitCode !== null) throw new Error(`npm start exited: ${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`npm start did not listen: ${started.output()}`);
}

function answers(endpoint: string): Promise<boolean> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function frameseek(args: string[], env: Record<string, string>): Promise<CliRun> {
  return runProcess(join(PROJECT_ROOT, 'bin/frameseek'), args, { cwd: PROJECT_ROOT, env: userEnv(env) });
}

describe('npm start and bin/frameseek on a lone machine', () => {
  it('serves, is found by the CLI and its admin commands, stops whole on a signal to npm, and keeps its ports', async () => {
    const first = npmStart({ PORT: '0', FRAMESEEK_DATA_DIR: dataDir });
    const where = await listening(first, dataDir);
    const api = client(where.api_url);
    const email = `cli-${Date.now()}@example.com`;
    const session = String((await api.post('/v1/auth/signup', { body: { email, password: PASSWORD } })).body.data.session.token);
    const key = String((await api.post('/v1/api_keys', { token: session, body: { name: 'cli', permissions: 'all' } })).body.data.key);
    const collectionId = String((await api.post('/v1/collections', { token: key, body: { name: 'cli' } })).body.data.id);
    const clipPath = join(dataDir, 'clip.mp4');
    await import('node:fs/promises').then(async ({ writeFile }) => writeFile(clipPath, await media('clip.mp4')));

    const upload = await frameseek(['upload', clipPath, '--collection', collectionId, '--no-wait'], {
      FRAMESEEK_DATA_DIR: dataDir,
      FRAMESEEK_API_KEY: key,
      FRAMESEEK_STATE_DIR: join(dataDir, 'cli-state'),
    });
    const setPlan = await frameseek(['admin', 'set-plan', '--email', email, '--plan', 'payg'], { FRAMESEEK_DATA_DIR: dataDir });
    const plan = (await api.get('/v1/account', { token: key })).body.data.plan;
    const busy = npmStart({ PORT: new URL(where.api_url).port, FRAMESEEK_DATA_DIR: mkdtempSync(join(dataDir, 'second-')) });
    const busyCode = await busy.exited;
    first.npm.kill('SIGTERM');
    const stopCode = await first.exited;
    // The server's own clean-up finishes after npm has gone: give it a moment, then nothing may answer.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const stillAnswering = await Promise.all([where.api_url, where.dynamodb_endpoint, where.s3_endpoint].map(answers));
    const listenFileLeft = existsSync(join(dataDir, 'listening.json'));
    const second = npmStart({ PORT: '0', FRAMESEEK_DATA_DIR: dataDir });
    const again = await listening(second, dataDir);
    second.npm.kill('SIGINT');
    await second.exited;

    expect(upload.code, upload.stderr).toBe(0);
    expect(upload.stdout).toMatch(/job_/);
    expect(setPlan.code, setPlan.stderr).toBe(0);
    expect(plan).toBe('payg');
    expect(first.output()).not.toMatch(/npm warn|Warning/);
    expect(busyCode).toBe(1);
    expect(busy.output()).toContain(`Port ${new URL(where.api_url).port}`);
    expect(busy.output()).toContain('PORT=');
    expect(busy.output()).not.toMatch(/^\s+at /m);
    expect(stopCode).not.toBeNull();
    expect(stillAnswering).toEqual([false, false, false]);
    expect(listenFileLeft).toBe(false);
    expect([again.dynamodb_endpoint, again.s3_endpoint]).toEqual([where.dynamodb_endpoint, where.s3_endpoint]);
    expect(JSON.parse(readFileSync(join(dataDir, 'ports.json'), 'utf8'))).toEqual({
      dynamodb: Number(new URL(where.dynamodb_endpoint).port),
      s3: Number(new URL(where.s3_endpoint).port),
    });
  }, 600_000);

  it('says in one line, without a stack trace, when admin has no data store to reach', async () => {
    const run = await frameseek(['admin', 'set-plan', '--email', 'a@example.com', '--plan', 'payg'], {
      FRAMESEEK_DATA_DIR: emptyDir,
      FRAMESEEK_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_MAX_ATTEMPTS: '1',
    });

    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: /);
  }, 120_000);

  it('asks for the file before the collection, and prints its version', async () => {
    const noFile = await frameseek(['upload'], {});
    const version = await frameseek(['--version'], {});

    expect(noFile.code).not.toBe(0);
    expect(noFile.stderr.split('\n')[0]).toMatch(/missing required argument 'file'/);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).version);
  }, 120_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { client, list, PASSWORD } from '#test/support/api';
import { PROJECT_ROOT } from '#infra/local/runtime';

/** `npm start`'s entry point as a user runs it: its own stand-ins, data on disk, Ctrl-C to stop. */
const dataDir = mkdtempSync(join(tmpdir(), 'frameseek-restart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function start(): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', FRAMESEEK_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const found = output.match(/Frameseek listening on (http:\/\/\S+)/);
      if (found?.[1]) {
        clearInterval(timer);
        resolve(found[1]);
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`exited with ${code}: ${output}`));
    });
  });
  return { child, url, output: () => output };
}

function interrupt(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

describe('npm start', () => {
  it('keeps accounts and collections across a Ctrl-C and a restart', async () => {
    const first = await start();
    const api = client(first.url);
    const email = `persist-${Date.now()}@example.com`;
    const signup = await api.post('/v1/auth/signup', { body: { email, password: PASSWORD } });
    await api.post('/v1/collections', { token: String(signup.body.data.session.token), body: { name: 'Survives' } });

    const exitCode = await interrupt(first.child);
    const second = await start();
    const again = client(second.url);
    const login = await again.post('/v1/auth/login', { body: { email, password: PASSWORD } });
    const collections = await again.get('/v1/collections', { token: String(login.body.data.session.token) });
    const secondExit = await interrupt(second.child);

    expect(first.output()).toContain('First run');
    expect(exitCode).toBe(0);
    expect(login.status).toBe(200);
    expect(list(collections.body.data).map((item) => item.name)).toEqual(['Survives']);
    expect(second.output()).not.toContain('First run');
    expect(secondExit).toBe(0);
  }, 120_000);
});

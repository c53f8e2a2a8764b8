import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '#infra/local/runtime';
import { readListenFile } from '#infra/local/listen-file';

/** The README's tour is bin/tour's text: what a reader copies is what the script runs and checks. */
function readmeTour(): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A two-minute tour'));
  const block = section.match(/```sh\n([\s\S]*?)\n```/);
  if (!block?.[1]) throw new Error('README has no tour block');
  return block[1];
}

/** The tour runs in a folder of its own (its clip.mp4 and frame.jpg land there), beside a data folder for npm start. */
const tourDir = mkdtempSync(join(tmpdir(), 'frameseek-tour-'));
const dataDir = join(tourDir, '.frameseek');
let server: ChildProcess | undefined;
afterAll(async () => {
  if (server?.pid && server.exitCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    process.kill(-server.pid, 'SIGINT');
    await exited;
  }
  rmSync(tourDir, { recursive: true, force: true });
});

/** What a user's shell passes on: no FRAMESEEK_* or AWS_* settings of the test run. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function startServer(): Promise<void> {
  mkdirSync(dataDir);
  server = spawn('npm', ['start'], { cwd: PROJECT_ROOT, env: userEnv({ PORT: '0', FRAMESEEK_DATA_DIR: dataDir }), stdio: 'ignore', detached: true });
  for (let waited = 0; waited < 180_000; waited += 200) {
    if (readListenFile(dataDir)) return;
    if (server.exitCode !== null) throw new Error(`npm start exited with ${server.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('npm start did not listen within 3 minutes');
}

describe('the README tour', () => {
  it('is bin/tour, line for line, after the script header', () => {
    const script = readFileSync(join(PROJECT_ROOT, 'bin/tour'), 'utf8');

    const body = script.slice(script.indexOf('\n\n') + 2).trimEnd();

    expect(body).toBe(readmeTour());
  });

  it('runs as written against npm start, every checked answer as the README says', async () => {
    // Arrange
    await startServer();
    symlinkSync(join(PROJECT_ROOT, 'bin'), join(tourDir, 'bin'));

    // Act
    const tour = await run(join(PROJECT_ROOT, 'bin/tour'), [], userEnv({ FRAMESEEK_TOUR_DIR: tourDir, FRAMESEEK_DATA_DIR: dataDir }));

    // Assert: `set -e` and each `jq -e` stop the script at the first answer that is not as written
    expect(tour.code, tour.output).toBe(0);
    expect(tour.output).toContain('WEBVTT');
    expect(tour.output).toMatch(/^200$/m);
  }, 600_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { client, finishedJob, list, PASSWORD } from '#test/support/api';
import { talkingClip } from '#test/support/talking-media';
import { PROJECT_ROOT } from '#infra/local/runtime';

/** `npm start`'s entry point as a user runs it: its own stand-ins, data on disk, Ctrl-C to stop. */
const dataDir = mkdtempSync(join(tmpdir(), 'frameseek-restart-'));
const earlyStopDir = mkdtempSync(join(tmpdir(), 'frameseek-early-stop-'));
afterAll(() => {
  for (const directory of [dataDir, earlyStopDir]) rmSync(directory, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function start(directory = dataDir): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', FRAMESEEK_DATA_DIR: directory },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a kill can take DynamoDB Local, ffmpeg and the engines down with it.
    detached: true,
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

/** A crash: the whole process group dies at once, nothing shuts down cleanly. */
function crash(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  });
}

async function jobOf(api: ReturnType<typeof client>, token: string, jobId: string) {
  return (await api.get(`/v1/jobs/${jobId}`, { token })).body.data;
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

  it('finishes a job whose process was killed mid-indexing, after a restart', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'frameseek-crash-'));
    const clip = await talkingClip();
    const bytes = await readFile(clip.path);
    const first = await start(directory);
    const api = client(first.url);
    const signup = await api.post('/v1/auth/signup', { body: { email: `crash-${Date.now()}@example.com`, password: PASSWORD } });
    const token = String(signup.body.data.session.token);
    const collection = await api.post('/v1/collections', { token, body: { name: 'Crash' } });
    const ticket = await api.post('/v1/uploads', {
      token,
      body: { collection_id: collection.body.data.id, filename: 'talk.mp4', size_bytes: bytes.length, content_type: 'video/mp4' },
    });
    const jobId = String(ticket.body.data.job_id);
    await fetch(String(ticket.body.data.url), { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'video/mp4' } });
    let job = await jobOf(api, token, jobId);
    for (let attempt = 0; attempt < 120 && String(job?.status) !== 'processing'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      job = await jobOf(api, token, jobId);
    }

    await crash(first.child);
    const second = await start(directory);
    const again = client(second.url);
    const finished = await finishedJob(again, token, jobId, 240_000);
    const transcript = await again.get(`/v1/videos/${ticket.body.data.video_id}/transcript`, { token });
    await interrupt(second.child);
    rmSync(directory, { recursive: true, force: true });

    expect(job.status).toBe('processing');
    expect(finished).toMatchObject({ status: 'done', progress_pct: 100, error: null });
    expect(list(transcript.body.data).length).toBeGreaterThan(0);
  }, 400_000);

  it('takes DynamoDB Local down with it on a Ctrl-C the moment it says it is listening (still checking its engines)', async () => {
    const started = await start(earlyStopDir);
    const endpoint = started.output().match(/DynamoDB Local \S+ at (http:\/\/\S+?),/)?.[1];

    const exitCode = await interrupt(started.child);
    const answer = await fetch(String(endpoint)).then(
      () => 'answered',
      () => 'refused',
    );

    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(exitCode).toBe(0);
    expect(answer).toBe('refused');
  });
});

import { readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, createKey, list, signUp, startTestApi } from '#test/support/api';
import { media, type MediaName } from '#test/support/media';
import { runProcess, scratchDir as scratchDirIn, type CliRun } from '#test/support/cli';
import type { LocalRuntime } from '#infra/local/runtime';

/** `frameseek upload` as a user runs it: a child process speaking HTTP to the real local runtime. */

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PART_BYTES = Number(process.env.FRAMESEEK_MULTIPART_PART_BYTES);

let runtime: LocalRuntime | undefined;
function apiUrl(): string {
  if (!runtime) throw new Error('the test runtime is not running yet');
  return runtime.url;
}
const api = client(apiUrl);

beforeAll(async () => {
  runtime = await startTestApi();
});
afterAll(() => runtime?.stop());

async function scratchDir(): Promise<string> {
  return scratchDirIn('cli');
}

/** An account with an API key and one collection, as a CLI user would have set up. */
async function newAccount(): Promise<{ key: string; collectionId: string }> {
  const { token } = await signUp(api);
  const { key } = await createKey(api, token);
  const collection = await api.post('/v1/collections', { token: key, body: { name: 'from the cli' } });
  return { key, collectionId: String(collection.body.data.id) };
}

async function videoFile(name: MediaName): Promise<{ path: string; size: number }> {
  const bytes = await media(name);
  const path = join(await scratchDir(), name);
  await writeFile(path, bytes);
  return { path, size: bytes.length };
}

interface CliOptions {
  env?: Record<string, string | undefined>;
  /** Run the installed command (bin/frameseek) from another directory instead of main.ts. */
  viaShim?: boolean;
}

function frameseek(args: string[], options: CliOptions = {}): Promise<CliRun> {
  // No tsx compile cache: CI wants the temp dir left empty.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TSX_DISABLE_CACHE: '1',
    FRAMESEEK_API_KEY: undefined,
    FRAMESEEK_CLI_STOP_AFTER_PARTS: undefined,
    ...options.env,
  };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  const command = options.viaShim ? [join(PROJECT_ROOT, 'bin/frameseek'), ...args] : ['--import', 'tsx', 'bin/cli/main.ts', ...args];
  return runProcess(process.execPath, command, { cwd: options.viaShim ? tmpdir() : PROJECT_ROOT, env });
}

function cliEnv(key: string, stateDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { FRAMESEEK_API_URL: apiUrl(), FRAMESEEK_API_KEY: key, FRAMESEEK_STATE_DIR: stateDir, ...extra };
}

/** A `name  value` line of the CLI's standard output. */
function printed(run: CliRun, name: string): string {
  const match = new RegExp(`^${name}\\s+(\\S+)$`, 'm').exec(run.stdout);
  if (!match) throw new Error(`no "${name}" line in:\n${run.stdout}\n${run.stderr}`);
  return match[1];
}

describe('frameseek upload', () => {
  it('uploads a small file with one PUT and reports the started job', async () => {
    const { key, collectionId } = await newAccount();
    const file = await videoFile('clip.mp4');
    const stateDir = await scratchDir();

    const run = await frameseek(['upload', file.path, '--collection', collectionId], { env: cliEnv(key, stateDir) });
    const video = await api.get(`/v1/videos/${printed(run, 'video')}`, { token: key });

    expect(run.code).toBe(0);
    expect(printed(run, 'job')).toMatch(/^job_/);
    expect(['pending', 'processing', 'done']).toContain(printed(run, 'status'));
    expect(run.stderr).toContain('uploaded clip.mp4');
    expect(video.body.data).toMatchObject({
      status: expect.stringMatching(/^(processing|ready)$/),
      filename: 'clip.mp4',
      collection_id: collectionId,
      file_size_bytes: file.size,
    });
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('uploads a large file in parts and completes it', async () => {
    const { key, collectionId } = await newAccount();
    const file = await videoFile('large.mp4');
    const stateDir = await scratchDir();
    const partsCount = Math.ceil(file.size / PART_BYTES);

    const run = await frameseek(['upload', file.path, '--collection', collectionId], { env: cliEnv(key, stateDir) });
    const upload = await api.get(`/v1/uploads/${printed(run, 'upload')}`, { token: key });
    const video = await api.get(`/v1/videos/${printed(run, 'video')}`, { token: key });

    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`sent ${partsCount} of ${partsCount} parts`);
    expect(['pending', 'processing', 'done']).toContain(printed(run, 'status'));
    expect(upload.body.data.status).toBe('complete');
    expect(video.body.data).toMatchObject({ status: expect.stringMatching(/^(processing|ready)$/), file_size_bytes: file.size });
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('resumes an interrupted upload, sending only the parts still missing', { timeout: 60_000 }, async () => {
    const { key, collectionId } = await newAccount();
    const file = await videoFile('large.mp4');
    const stateDir = await scratchDir();
    const partsCount = Math.ceil(file.size / PART_BYTES);
    const args = ['upload', file.path, '--collection', collectionId];

    // One part at a time, so exactly the first two are stored when the switch fires.
    const interrupted = await frameseek([...args, '--concurrency', '1'], { env: cliEnv(key, stateDir, { FRAMESEEK_CLI_STOP_AFTER_PARTS: '2' }) });
    const uploadId = printed(interrupted, 'upload');
    const between = await api.get(`/v1/uploads/${uploadId}`, { token: key });
    const stateAfterInterruption = await readdir(stateDir);
    const resumed = await frameseek(args, { env: cliEnv(key, stateDir) });
    const video = await api.get(`/v1/videos/${printed(resumed, 'video')}`, { token: key });

    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('run the same command again to resume');
    expect(stateAfterInterruption).toHaveLength(1);
    expect(between.body.data).toMatchObject({ status: 'awaiting_bytes', parts_received: [1, 2] });
    expect(list(between.body.data.multipart.parts)).toHaveLength(partsCount - 2);
    expect(resumed.code).toBe(0);
    expect(printed(resumed, 'upload')).toBe(uploadId);
    expect(resumed.stderr).toContain(`resuming upload ${uploadId} (2 of ${partsCount} parts already stored)`);
    expect(resumed.stderr).toContain(`sent ${partsCount - 2} of ${partsCount} parts`);
    expect(video.body.data).toMatchObject({ status: expect.stringMatching(/^(processing|ready)$/), file_size_bytes: file.size });
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('with --no-wait, prints the ids and does not wait for the job', async () => {
    const { key, collectionId } = await newAccount();
    const file = await videoFile('clip.mp4');

    const run = await frameseek(['upload', file.path, '--collection', collectionId, '--no-wait'], { env: cliEnv(key, await scratchDir()) });

    expect(run.code).toBe(0);
    expect(printed(run, 'job')).toMatch(/^job_/);
    expect(run.stdout).not.toMatch(/^status/m);
  });

  it('exits 1 with the error of a job that fails', async () => {
    const { key, collectionId } = await newAccount();
    const file = await videoFile('text.mp4');

    const run = await frameseek(['upload', file.path, '--collection', collectionId], { env: cliEnv(key, await scratchDir()) });

    expect(run.code).toBe(1);
    expect(printed(run, 'status')).toBe('failed');
    expect(run.stderr).toContain('error: UNSUPPORTED_FORMAT:');
  });
});

describe('frameseek upload refuses clearly', () => {
  it('a file type the API does not take, before any upload exists', async () => {
    const { key, collectionId } = await newAccount();
    const path = join(await scratchDir(), 'notes.txt');
    await writeFile(path, 'not a video\n');

    const run = await frameseek(['upload', path, '--collection', collectionId], { env: cliEnv(key, await scratchDir()) });
    const videos = await api.get('/v1/videos', { token: key });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: UNSUPPORTED_FORMAT: notes.txt');
    expect(run.stdout).toBe('');
    expect(list(videos.body.data)).toEqual([]);
  });

  it('a missing API key, naming where to set it (run as the installed command)', async () => {
    const file = await videoFile('clip.mp4');

    const run = await frameseek(['upload', file.path, '--collection', 'col_any'], { viaShim: true, env: { FRAMESEEK_API_URL: apiUrl() } });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: MISSING_API_KEY');
    expect(run.stderr).toContain('FRAMESEEK_API_KEY');
    expect(run.stdout).toBe('');
  });

  it("the API's refusal, with its error code", async () => {
    const { key } = await newAccount();
    const file = await videoFile('clip.mp4');

    const run = await frameseek(['upload', file.path, '--collection', 'col_doesnotexist'], { env: cliEnv(key, await scratchDir()) });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: COLLECTION_NOT_FOUND:');
  });
});

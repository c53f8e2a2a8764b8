import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKey, finishedJob, list, signUp, useTestApi } from '#test/support/api';
import { configHome, frameseek, printed, scratchDir, type CliRun } from '#test/support/cli';
import { mediaPath } from '#test/support/media';

/** `frameseek collections|videos|jobs|search`, spawned against the real local runtime with an API key. */

const api = useTestApi();

let key = '';
let collectionId = '';
/** clip.mp4, uploaded by the CLI and indexed before the tests run. */
let video = { id: '', jobId: '' };

function run(args: string[], options: { terminal?: boolean } = {}): Promise<CliRun> {
  return frameseek(args, { env: { FRAMESEEK_API_URL: api.runtime().url, FRAMESEEK_API_KEY: key, XDG_CONFIG_HOME: configHome() }, ...options });
}

async function upload(path: string): Promise<{ videoId: string; jobId: string }> {
  const uploaded = await run(['upload', path, '--collection', collectionId, '--no-wait', '--json']);
  const { data } = JSON.parse(uploaded.stdout);
  return { videoId: data.video, jobId: data.job };
}

beforeAll(async () => {
  const { token } = await signUp(api);
  key = (await createKey(api, token)).key;
  const created = await run(['collections', 'create', 'Demos']);
  collectionId = printed(created, 'id');
  const { videoId, jobId } = await upload(await mediaPath('clip.mp4'));
  video = { id: videoId, jobId };
  await finishedJob(api, key, jobId);
}, 180_000);

describe('frameseek collections', () => {
  it('creates, lists, renames and deletes', async () => {
    const created = await run(['collections', 'create', 'Scratch']);
    const id = printed(created, 'id');
    const renamed = await run(['collections', 'rename', id, 'Scratch 2']);
    const listed = await run(['collections', 'list']);
    const deleted = await run(['collections', 'delete', id]);
    const afterwards = await run(['collections', 'list', '--json']);

    expect(created.code).toBe(0);
    expect(renamed.stdout).toContain('name  Scratch 2');
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+VIDEOS\s+CREATED$/m);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+Scratch 2\\s+0\\s`, 'm'));
    expect(listed.stdout).toMatch(new RegExp(`^${collectionId}\\s+Demos\\s+1\\s`, 'm'));
    expect(deleted).toMatchObject({ code: 0, stdout: `deleted ${id} and every video in it\n` });
    expect(list(JSON.parse(afterwards.stdout).data).map((collection) => collection.id)).toEqual([collectionId]);
  });

  it('names the API refusal and its code on one line', async () => {
    const taken = await run(['collections', 'create', 'Demos']);

    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/^error: COLLECTION_NAME_TAKEN: .+ \(request_id req_\w+\)\n$/);
  });
});

describe('frameseek jobs watch', () => {
  it('follows a job to done with its progress, and exits 0', { timeout: 120_000 }, async () => {
    // Two minutes of picture: indexing takes long enough for the watch to see it under way.
    const { jobId } = await upload(await mediaPath('long-small.mp4'));

    const watched = await run(['jobs', 'watch', jobId, '--interval-ms', '200']);

    expect(watched.code).toBe(0);
    expect(printed(watched, 'status')).toBe('done');
    expect(watched.stderr).toMatch(new RegExp(`^${jobId}\\s+processing \\w+ \\d+%$`, 'm'));
    expect(watched.stderr).toMatch(new RegExp(`^${jobId}\\s+done done 100%$`, 'm'));
  });

  it('draws a progress bar in a terminal', { timeout: 60_000 }, async () => {
    const watched = await run(['jobs', 'watch', video.jobId, '--interval-ms', '200'], { terminal: true });

    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(new RegExp(`${video.jobId} \\[█+\\] 100% \\| done done`));
  });

  it('exits 3 with the job error when the job fails', { timeout: 60_000 }, async () => {
    const notVideo = join(scratchDir('cli'), 'notes.mp4');
    writeFileSync(notVideo, 'plain text wearing a video extension\n'.repeat(40));
    const { jobId } = await upload(notVideo);

    const watched = await run(['jobs', 'watch', jobId, '--interval-ms', '200']);

    expect(watched.code).toBe(3);
    expect(printed(watched, 'status')).toBe('failed');
    expect(watched.stderr).toMatch(/^error: UNSUPPORTED_FORMAT: .+$/m);
  });

  it('lists jobs', async () => {
    const listed = await run(['jobs', 'list', '--status', 'done']);

    expect(listed.stdout).toMatch(/^ID\s+VIDEO\s+STATUS\s+STAGE\s+PROGRESS\s+ERROR\s+UPDATED$/m);
    expect(listed.stdout).toMatch(new RegExp(`^${video.jobId}\\s+${video.id}\\s+done\\s+done\\s+100%`, 'm'));
  });
});

describe('frameseek videos', () => {
  it('lists and gets a video', async () => {
    const listed = await run(['videos', 'list', '--collection', collectionId]);
    const got = await run(['videos', 'get', video.id]);

    expect(listed.stdout).toMatch(new RegExp(`^${video.id}\\s+clip\\.mp4\\s+ready\\s+0:03\\s`, 'm'));
    expect(printed(got, 'status')).toBe('ready');
    expect(printed(got, 'playback')).toMatch(/^http/);
  });

  it('prints the transcript as WebVTT and SubRip', async () => {
    const vtt = await run(['videos', 'transcript', video.id, '--format', 'vtt']);
    const srt = await run(['videos', 'transcript', video.id, '--format', 'srt']);

    expect(vtt.code).toBe(0);
    expect(vtt.stdout.split('\n')[0]).toBe('WEBVTT');
    expect(srt.code).toBe(0);
  });

  it('refuses an unknown --format before any request', async () => {
    const wrong = await run(['videos', 'transcript', video.id, '--format', 'txt']);

    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('Allowed choices are text, vtt, srt');
  });
});

describe('frameseek search', () => {
  it('prints a table of video, time, score, snippet and link for an example picture', async () => {
    const picture = join(scratchDir('cli'), 'frame.jpg');
    execFileSync('ffmpeg', ['-v', 'error', '-ss', '1.5', '-i', await mediaPath('clip.mp4'), '-frames:v', '1', picture]);

    const table = await run(['search', '--image', picture, '--mode', 'video', '--collection', collectionId]);
    const asJson = await run(['search', '--image', picture, '--mode', 'video', '--collection', collectionId, '--json']);

    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^VIDEO\s+TIME\s+SCORE\s+SNIPPET\s+LINK$/m);
    expect(table.stdout).toMatch(/^clip\.mp4\s+\d+:\d\d–\d+:\d\d\s+[01]\.\d\d\s+\(frame\)\s+http\S+$/m);
    expect(JSON.parse(asJson.stdout).data[0]).toMatchObject({ video_id: video.id });
  });

  it('asks for a query or an image', async () => {
    const nothing = await run(['search']);

    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toBe('error: MISSING_QUERY: give a query, an --image, or both\n');
  });
});

describe('frameseek videos delete', () => {
  it('deletes a video', async () => {
    const { videoId, jobId } = await upload(await mediaPath('clip.webm'));
    await finishedJob(api, key, jobId);

    const deleted = await run(['videos', 'delete', videoId]);
    const gone = await run(['videos', 'get', videoId]);

    expect(deleted).toMatchObject({ code: 0, stdout: `deleted ${videoId}\n` });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error: VIDEO_NOT_FOUND: /);
  });
});

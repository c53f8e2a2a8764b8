import { beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  // Short chunks, so the ~50 s video is indexed by three chunks in parallel; quick redelivery.
  process.env.FRAMESEEK_CHUNK_SECS = '20';
  process.env.FRAMESEEK_SINGLE_PUT_MAX_BYTES = String(50 * 1024 * 1024);
});

import { errorOf, finishedJob, list, segmentsOf, signUp, uploadAndIndex, useTestApi, videosOf, type Json } from '#test/support/api';
import {
  longTalkingVideo,
  makeTalkingVideo,
  talkingClip,
  talkingClipMkv,
  talkingClipWebm,
  type MediaManifest,
  type TalkingScene,
} from '#test/support/talking-media';
import { wordErrorRate } from '#test/support/wer';
import { armFault, disarmFault } from '#lib/faults';
import { isChunkMessage, type IndexChunkMessage } from '#lib/indexing/queue';
import { localIndexQueue } from '#infra/local/host';
import { searchIndex } from '#lib/search/index';

const api = useTestApi();

async function setUp(): Promise<{ token: string; accountId: string; collectionId: string }> {
  const { token, accountId } = await signUp(api);
  const collection = await api.post('/v1/collections', { token, body: { name: 'indexing' } });
  return { token, accountId, collectionId: String(collection.body.data.id) };
}

function indexed(token: string, collectionId: string, manifest: MediaManifest): Promise<{ videoId: string; jobId: string; job: Json }> {
  return uploadAndIndex(api, token, collectionId, manifest.path, 180_000);
}

function chunkMessagesOf(jobId: string): IndexChunkMessage[] {
  return localIndexQueue
    .sent()
    .filter(isChunkMessage)
    .filter((message) => message.job_id === jobId);
}

describe('indexing a talking video', () => {
  let clip: MediaManifest;
  let account: { token: string; accountId: string; collectionId: string };
  let video: { videoId: string; jobId: string; job: Json };

  beforeAll(async () => {
    clip = await talkingClip();
    account = await setUp();
    video = await indexed(account.token, account.collectionId, clip);
  }, 240_000);

  it('ends with the job done at 100 % and the video ready, with the engines named', async () => {
    const detail = await api.get(`/v1/videos/${video.videoId}`, { token: account.token });

    expect(video.job).toMatchObject({ status: 'done', stage: 'done', progress_pct: 100, error: null });
    expect(detail.body.data).toMatchObject({
      status: 'ready',
      progress_pct: 100,
      models: {
        embedder: expect.stringMatching(/^frame-descriptor@/),
        transcriber: expect.stringMatching(/^pocketsphinx@/),
        text_reader: expect.stringMatching(/^tesseract@/),
      },
    });
    expect(Number(detail.body.data.segments_count)).toBeGreaterThan(clip.durationSecs / 2);
  });

  it('transcribes the spoken sentences (WER ≤ 10 %), each at its time (±1 s)', async () => {
    const transcript = await api.get(`/v1/videos/${video.videoId}/transcript`, { token: account.token });
    const items = list(transcript.body.data);

    expect(transcript.status).toBe(200);
    expect(items.every((item) => String(item.type) === 'speech')).toBe(true);
    const spoken = clip.speech.map((sentence) => sentence.text).join(' ');
    const heard = items.map((item) => String(item.text)).join(' ');
    expect(wordErrorRate(spoken, heard)).toBeLessThanOrEqual(0.1);
    for (const sentence of clip.speech) {
      const near = items.filter((item) => Math.abs(Number(item.start) - sentence.start) <= 1);
      expect(near.length, `no speech starts within 1 s of "${sentence.text}" (${sentence.start} s)`).toBeGreaterThan(0);
    }
  });

  it('reads each on-screen phrase at its time (±2 s)', async () => {
    const transcript = await api.get(`/v1/videos/${video.videoId}/transcript?include=ocr`, { token: account.token });
    const ocr = list(transcript.body.data).filter((item) => String(item.type) === 'ocr');

    for (const caption of clip.captions) {
      const seen = ocr.find((item) => String(item.text).toUpperCase().includes(caption.text.toUpperCase()));
      expect(seen, `caption "${caption.text}" not read`).toBeDefined();
      expect(Math.abs(Number(seen?.start) - caption.start)).toBeLessThanOrEqual(2);
    }
  });

  it('keeps a frame about every 2 s with a thumbnail served from storage', async () => {
    const moments = await Promise.all(
      [1, clip.durationSecs / 2, clip.durationSecs - 1].map((time) =>
        api.get(`/v1/videos/${video.videoId}/moment?timestamp=${time}`, { token: account.token }),
      ),
    );
    const thumbnail = await fetch(String(moments[0]?.body.data.thumbnail_url));

    for (const moment of moments) expect(moment.body.data).toMatchObject({ thumbnail_url: expect.stringContaining('/thumbs/'), labels: [] });
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
    const rows = await searchIndex().videoSegments(account.accountId, video.videoId, ['frame']);
    const gaps = rows.slice(1).map((row, index) => row.start_secs - (rows[index]?.start_secs ?? 0));
    expect(rows.length).toBeGreaterThanOrEqual(Math.floor(clip.durationSecs / 2));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2.1);
  });

  it('answers subtitles as WebVTT and SubRip', async () => {
    const vtt = await api.get(`/v1/videos/${video.videoId}/transcript?format=vtt`, { token: account.token });
    const srt = await api.get(`/v1/videos/${video.videoId}/transcript?format=srt`, { token: account.token });

    expect(vtt.status).toBe(200);
    expect(vtt.headers.get('content-type')).toMatch(/^text\/vtt/);
    expect(vtt.text).toMatch(/^WEBVTT\n\n00:00:\d\d\.\d{3} --> 00:00:\d\d\.\d{3}\n\w+/);
    expect(srt.headers.get('content-type')).toMatch(/^application\/x-subrip/);
    expect(srt.text).toMatch(/^1\n00:00:\d\d,\d{3} --> 00:00:\d\d,\d{3}\n\w+/);
  });

  it('gives a moment with what is said and shown; an instant past the end is a 422 naming the duration', async () => {
    const caption = clip.captions[0];
    const sentence = clip.speech[0];
    const atCaption = await api.get(`/v1/videos/${video.videoId}/moment?timestamp=${((caption?.start ?? 0) + (caption?.end ?? 0)) / 2}`, {
      token: account.token,
    });
    const atSpeech = await api.get(`/v1/videos/${video.videoId}/moment?timestamp=${((sentence?.start ?? 0) + (sentence?.end ?? 0)) / 2}`, {
      token: account.token,
    });
    const pastTheEnd = await api.get(`/v1/videos/${video.videoId}/moment?timestamp=${clip.durationSecs + 100}`, { token: account.token });

    expect(String(atCaption.body.data.ocr_text).toUpperCase()).toContain(caption?.text.toUpperCase());
    expect(String(atSpeech.body.data.transcript)).not.toBe('null');
    const duration = Number((await api.get(`/v1/videos/${video.videoId}`, { token: account.token })).body.data.duration_secs);
    expect([pastTheEnd.status, errorOf(pastTheEnd).code]).toEqual([422, 'VALIDATION_ERROR']);
    expect(errorOf(pastTheEnd).fields).toEqual([{ path: 'timestamp', message: expect.stringContaining(String(duration)) }]);
    expect(String(errorOf(pastTheEnd).message)).toContain(`${duration} s`);
  });

  it('shows nothing of it to another account', async () => {
    const other = await signUp(api);

    const transcript = await api.get(`/v1/videos/${video.videoId}/transcript`, { token: other.token });
    const moment = await api.get(`/v1/videos/${video.videoId}/moment?timestamp=1`, { token: other.token });
    const reindex = await api.post(`/v1/videos/${video.videoId}/reindex`, { token: other.token });
    const rows = await searchIndex().videoSegments(other.accountId, video.videoId, ['frame', 'transcript', 'ocr']);

    for (const response of [transcript, moment, reindex]) expect(errorOf(response)).toMatchObject({ code: 'VIDEO_NOT_FOUND' });
    expect(rows).toEqual([]);
  });

  it('reindexes with a new job while the old segments keep answering, then swaps them; repeated and reordered chunks change nothing', async () => {
    const before = await searchIndex().videoSegments(account.accountId, video.videoId, ['frame', 'transcript', 'ocr']);

    const started = await api.post(`/v1/videos/${video.videoId}/reindex`, { token: account.token });
    const jobId = String(started.body.data.job_id);
    const whileRunning = await api.get(`/v1/videos/${video.videoId}/transcript`, { token: account.token });
    // Every chunk again, last first: the queue's at-least-once delivery in the worst order.
    await localIndexQueue.send([...chunkMessagesOf(jobId)].reverse());
    const job = await finishedJob(api, account.token, jobId, 180_000);
    const after = await searchIndex().videoSegments(account.accountId, video.videoId, ['frame', 'transcript', 'ocr']);
    const detail = await api.get(`/v1/videos/${video.videoId}`, { token: account.token });

    expect(started.status).toBe(202);
    expect(started.body.data).toMatchObject({ job_id: expect.stringMatching(/^job_/), video_id: video.videoId, status: 'queued' });
    expect(jobId).not.toBe(video.jobId);
    expect(list(whileRunning.body.data).length).toBeGreaterThan(0);
    expect(job).toMatchObject({ status: 'done', progress_pct: 100 });
    expect(after.map((row) => row.id)).toEqual(before.map((row) => row.id));
    expect(detail.body.data).toMatchObject({ status: 'ready', segments_count: before.length });
  }, 240_000);
});

describe('containers and chunks', () => {
  it.each([
    ['webm', talkingClipWebm],
    ['mkv', talkingClipMkv],
  ] as const)(
    'indexes %s',
    async (_name, make) => {
      const { token, collectionId } = await setUp();
      const manifest = await make();

      const { job, videoId } = await indexed(token, collectionId, manifest);
      const transcript = await api.get(`/v1/videos/${videoId}/transcript`, { token });

      expect(job).toMatchObject({ status: 'done' });
      expect(list(transcript.body.data).length).toBeGreaterThan(0);
    },
    240_000,
  );

  it('indexes a video longer than a chunk with several chunks, at absolute times across their boundaries', async () => {
    const { token, collectionId } = await setUp();
    const manifest = await longTalkingVideo(50);

    const { job, jobId, videoId } = await indexed(token, collectionId, manifest);
    const transcript = list((await api.get(`/v1/videos/${videoId}/transcript?include=ocr`, { token })).body.data);

    expect(job).toMatchObject({ status: 'done', progress_pct: 100 });
    expect(chunkMessagesOf(jobId).map((message) => [message.chunk_index, message.start_secs])).toEqual([
      [0, 0],
      [1, 20],
      [2, 40],
    ]);
    const late = manifest.speech.filter((sentence) => sentence.start > 21 && sentence.end < 39);
    expect(late.length).toBeGreaterThan(0);
    for (const sentence of late) {
      const heard = transcript.filter((item) => String(item.type) === 'speech' && Math.abs(Number(item.start) - sentence.start) <= 1);
      expect(heard.length, `nothing heard near ${sentence.start} s`).toBeGreaterThan(0);
    }
    const lastCaption = manifest.captions.at(-1);
    expect(transcript.some((item) => String(item.type) === 'ocr' && Math.abs(Number(item.start) - (lastCaption?.start ?? 0)) <= 2)).toBe(true);
  }, 240_000);
});

describe('a stage that keeps failing', () => {
  it('fails the job with INDEXING_FAILED naming the stage, shows no rows, and gives the reservation back', async () => {
    const { token, accountId, collectionId } = await setUp();
    const balanceBefore = Number((await api.get('/v1/account', { token })).body.data.credits_micros);
    armFault('indexing_stage', 'speech');

    const { job, videoId } = await indexed(token, collectionId, await talkingClip()).finally(() => disarmFault('indexing_stage'));
    const detail = await api.get(`/v1/videos/${videoId}`, { token });
    const rows = await searchIndex().videoSegments(accountId, videoId, ['frame', 'transcript', 'ocr']);
    const balanceAfter = Number((await api.get('/v1/account', { token })).body.data.credits_micros);

    expect(job).toMatchObject({ status: 'failed', stage: expect.any(String), error_code: 'INDEXING_FAILED', error: expect.stringContaining('speech') });
    expect(String(job.error)).not.toMatch(/arn:|Exception|ffmpeg/);
    expect(detail.body.data).toMatchObject({ status: 'failed', segments_count: 0 });
    expect(rows).toEqual([]);
    expect(balanceAfter).toBe(balanceBefore);
  }, 240_000);
});

describe('deleting an indexed video', () => {
  it('removes its index rows', async () => {
    const { token, accountId, collectionId } = await setUp();
    const { videoId } = await indexed(token, collectionId, await talkingClip());

    const deleted = await api.delete(`/v1/videos/${videoId}`, { token });
    let rows = await searchIndex().videoSegments(accountId, videoId, ['frame', 'transcript', 'ocr']);
    for (let attempt = 0; attempt < 50 && rows.length > 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows = await searchIndex().videoSegments(accountId, videoId, ['frame', 'transcript', 'ocr']);
    }

    expect(deleted.status).toBe(204);
    expect(rows).toEqual([]);
  }, 240_000);
});

describe('on-screen text on still pictures', () => {
  /**
   * Single-colour scenes whose captions appear mid-scene, between two sampled frames (every 2 s), with no
   * scene change: dark text without a box on beige, and a small white lower-third title without a box on navy.
   */
  const stillScenes: TalkingScene[] = [
    {
      text: 'the orchard gate stays closed until spring',
      caption: 'COPPER LANTERN FESTIVAL',
      source: 'color=c=beige',
      captionSecs: [4.2, 10.6],
      captionStyle: { colour: 'black' },
    },
    {
      text: 'a tired sailor counted every wave',
      caption: 'HARBOR SCHEDULE',
      source: 'color=c=navy',
      captionSecs: [2.2, 9.5],
      captionStyle: { colour: 'white', heightShare: 1 / 14, place: 'lower-third' },
    },
  ];

  it('finds a caption that appears on an unchanged single-colour scene, starting within 1 s of its first frame', async () => {
    // Arrange
    const manifest = await makeTalkingVideo('still-captions', { scenes: stillScenes, container: 'mp4', width: 640, height: 360, minSceneSecs: 12 });
    const { token, collectionId } = await setUp();
    const { videoId, job } = await indexed(token, collectionId, manifest);

    // Act
    const answers = await Promise.all(
      manifest.captions.map((caption) => api.post('/v1/search', { token, body: { query: caption.text.toLowerCase(), modes: ['ocr'], video_id: videoId } })),
    );

    // Assert
    expect(job).toMatchObject({ status: 'done' });
    manifest.captions.forEach((caption, index) => {
      const answer = answers[index];
      if (!answer) throw new Error('no answer');
      const [top] = segmentsOf(videosOf(answer)[0]);
      expect(top, `caption "${caption.text}" not found`).toMatchObject({ type: 'ocr', text_content: expect.stringContaining(caption.text) });
      expect(Math.abs(Number(top?.timestamp_start) - caption.start)).toBeLessThanOrEqual(1);
    });
  }, 240_000);
});

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * Settings are read once, when the first module that needs them loads (below), so the picture server
 * that stands in for "a public host" for image_url starts here, before any import: its exact
 * host:port goes on the URL guard's allow-list (a test-only setting, refused in prod). Every other
 * loopback address stays refused.
 */
const pictures = await vi.hoisted(async () => {
  process.env.FRAMESEEK_SINGLE_PUT_MAX_BYTES = String(50 * 1024 * 1024);
  // Far more searches than the Free plan's 30 a day; the quota itself is still counted (searches_today).
  const overrides = JSON.parse(process.env.FRAMESEEK_PLAN_OVERRIDES ?? '{}') as Record<string, unknown>;
  process.env.FRAMESEEK_PLAN_OVERRIDES = JSON.stringify({ ...overrides, plans: { free: { daily_search_quota: 100_000 } } });

  const { createServer } = await import('node:http');
  const files = new Map<string, { type: string; body: Buffer }>();
  const server = createServer((request, response) => {
    const file = files.get(request.url ?? '');
    if (!file) return response.writeHead(404, { 'content-type': 'text/plain' }).end('no such picture');
    return response.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the picture server has no port');
  process.env.FRAMESEEK_URL_GUARD_ALLOW = `127.0.0.1:${address.port}`;
  return { origin: `http://127.0.0.1:${address.port}`, files, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
});
afterAll(() => pictures.close());

import { createKey, errorOf, list, segmentsOf, signUp, uploadAndIndex, useTestApi, videosOf, type ApiResponse } from '#test/support/api';
import { croppedFrame, searchForm as searchFormOf } from '#test/support/search-requests';
import { benchScenes, makeTalkingVideo, mid, talkingClip, type MediaManifest } from '#test/support/talking-media';
import { armFault, disarmFault } from '#lib/faults';

const api = useTestApi();

interface Account {
  token: string;
  accountId: string;
}

/** Uploads a generated video into a collection through a presigned PUT; resolves when its indexing job is done. */
async function indexed(token: string, collectionId: string, manifest: MediaManifest): Promise<string> {
  const { videoId, job } = await uploadAndIndex(api, token, collectionId, manifest.path);
  expect(job).toMatchObject({ status: 'done' });
  return videoId;
}

async function collection(token: string, name: string): Promise<string> {
  const created = await api.post('/v1/collections', { token, body: { name } });
  return String(created.body.data.id);
}

function search(token: string, body: Record<string, unknown>): Promise<ApiResponse> {
  return api.post('/v1/search', { token, body });
}

function searchForm(token: string, fields: Record<string, string | string[]>, image?: { bytes: Buffer; type: string; name: string }): Promise<ApiResponse> {
  return searchFormOf(api, token, fields, image);
}

/** The answer's best video is `videoId`, led by a frame segment at `secs` (±3 s) scoring at least the visual match floor. */
function expectFrameMomentFirst(response: ApiResponse, videoId: string, secs: number): void {
  const [best] = videosOf(response);
  const [top] = segmentsOf(best);
  expect(response.status).toBe(200);
  expect(best).toMatchObject({ video_id: videoId });
  expect(top).toMatchObject({ type: 'frame', rank: 1 });
  expect(Math.abs(Number(top?.timestamp_start) - secs)).toBeLessThanOrEqual(3);
  expect(Number(top?.score)).toBeGreaterThanOrEqual(0.5);
}

async function searchesToday(token: string): Promise<number> {
  return Number((await api.get('/v1/account', { token })).body.data.usage.searches_today);
}

describe('POST /v1/search over indexed videos', () => {
  let clip: MediaManifest;
  let other: MediaManifest;
  let owner: Account;
  let stranger: Account;
  let firstCollection: string;
  let secondCollection: string;
  let clipVideo: string;
  let otherVideo: string;
  let strangerVideo: string;

  beforeAll(async () => {
    // Two accounts; the stranger indexes the very same clip, so any leak across accounts would show.
    [clip, other, owner, stranger] = await Promise.all([
      talkingClip(),
      makeTalkingVideo('search-second', { scenes: benchScenes.slice(6, 9), container: 'mp4', minSceneSecs: 5 }),
      signUp(api),
      signUp(api),
    ]);
    [firstCollection, secondCollection] = await Promise.all([collection(owner.token, 'first'), collection(owner.token, 'second')]);
    const strangerCollection = await collection(stranger.token, 'theirs');
    [clipVideo, otherVideo, strangerVideo] = await Promise.all([
      indexed(owner.token, firstCollection, clip),
      indexed(owner.token, secondCollection, other),
      indexed(stranger.token, strangerCollection, clip),
    ]);
  }, 240_000);

  describe('finding moments', () => {
    it('finds a spoken sentence in its video at rank 1, as a transcript segment at its time (±3 s)', async () => {
      const sentence = clip.speech[4];

      const response = await search(owner.token, { query: sentence?.text });
      const [best] = videosOf(response);
      const [top] = segmentsOf(best);

      expect(response.status).toBe(200);
      expect(best).toMatchObject({ video_id: clipVideo, filename: 'talk.mp4', collection_id: firstCollection });
      expect(top).toMatchObject({ type: 'transcript', rank: 1, hidden: false, text_content: expect.stringContaining('stories') });
      expect(Math.abs(Number(top?.timestamp_start) - (sentence?.start ?? 0))).toBeLessThanOrEqual(3);
      expect(Number(top?.score)).toBeGreaterThan(0.5);
      expect(Number(top?.score)).toBeLessThan(1);
      expect(Number(best?.score)).toBe(Math.max(...segmentsOf(best).map((segment) => Number(segment.score))));
      expect(String(top?.video_url)).toMatch(new RegExp(`#t=${Number(top?.timestamp_start)}$`));
      expect(response.body.meta).toMatchObject({ total: expect.any(Number), page: 1, per_page: 10, search_id: expect.stringMatching(/^srch_/) });
    });

    it('lets a read_only key search, suggest, and read the transcript and a moment (api.md: read_only may search, list and get)', async () => {
      const { key } = await createKey(api, owner.token, 'read_only');
      const sentence = clip.speech[4];

      const found = await search(key, { query: sentence?.text });
      const suggested = await api.post('/v1/search/suggest', { token: key, body: { prefix: 'grandm' } });
      const transcript = await api.get(`/v1/videos/${clipVideo}/transcript`, { token: key });
      const moment = await api.get(`/v1/videos/${clipVideo}/moment?timestamp=${sentence?.start ?? 0}`, { token: key });
      const top = segmentsOf(videosOf(found)[0])[0];
      const vote = await api.post('/v1/search/feedback', {
        token: key,
        body: { video_id: clipVideo, timestamp_start: Number(top?.timestamp_start), signal: 'down', query: sentence?.text },
      });

      expect(found.status).toBe(200);
      expect(top).toMatchObject({ type: 'transcript', text_content: expect.stringContaining('stories') });
      expect(list(suggested.body.data)).toContainEqual({ text: 'grandmother tells us stories by', source: 'transcript' });
      expect(
        list(transcript.body.data)
          .map((item) => String(item.text))
          .join(' '),
      ).toContain('stories');
      expect(moment.body.data.transcript).toContain('stories');
      expect(vote.status).toBe(403);
      expect(errorOf(vote).code).toBe('FORBIDDEN');
    });

    it('finds an on-screen caption at rank 1, as an ocr segment at its time (±3 s)', async () => {
      const caption = clip.captions[3];

      const response = await search(owner.token, { query: caption?.text.toLowerCase() });
      const [best] = videosOf(response);
      const [top] = segmentsOf(best);

      expect(best).toMatchObject({ video_id: clipVideo });
      expect(top).toMatchObject({ type: 'ocr', rank: 1, text_content: expect.stringMatching(/PURPLE CANDLE SHOP/i) });
      expect(Math.abs(Number(top?.timestamp_start) - (caption?.start ?? 0))).toBeLessThanOrEqual(3);
    });

    it.each(['jpeg', 'webp'] as const)('finds the moment of a %s cut from a frame at rank 1 (±3 s)', async (format) => {
      const scene = clip.scenes[3];
      const image = await croppedFrame(clip.path, mid(scene), format);

      const response = await searchForm(owner.token, { thumbnails: 'none' }, { bytes: image, type: `image/${format}`, name: `moment.${format}` });

      expectFrameMomentFirst(response, clipVideo, mid(scene));
    });

    it('finds the moment of a picture fetched from image_url at rank 1 (±3 s)', async () => {
      const scene = clip.scenes[3];
      pictures.files.set('/moment.jpg', { type: 'image/jpeg', body: await croppedFrame(clip.path, mid(scene), 'jpeg') });

      const response = await search(owner.token, { image_url: `${pictures.origin}/moment.jpg`, thumbnails: 'none' });

      expectFrameMomentFirst(response, clipVideo, mid(scene));
    });

    it('skips the video mode for a text query with a picture-only embedder, and says so in meta.warnings', async () => {
      const response = await search(owner.token, { query: 'piano', modes: ['video'] });
      const textOnly = await search(owner.token, { query: 'piano', modes: ['transcript', 'ocr'] });

      expect(response.status).toBe(200);
      expect(response.body.meta.total).toBe(0);
      expect(textOnly.body.meta.warnings).toEqual([]);
      expect(response.body.data).toEqual([]);
      expect(list(response.body.meta.warnings).length).toBe(1);
      expect(String(response.body.meta.warnings[0])).toMatch(/video mode was skipped/);
    });

    it.each([
      ['a misspelled word', 'grandmuther'],
      ['two misspelled words', 'grandmothr storys'],
      ['a partial word', 'grandmoth'],
      ['part of the sentence', 'stories by the fire'],
    ])('still finds the moment from %s (%s)', async (_what, query) => {
      const sentence = clip.speech[4];

      const response = await search(owner.token, { query, modes: ['transcript'] });
      const [best] = videosOf(response);
      const [top] = segmentsOf(best);

      expect(best).toMatchObject({ video_id: clipVideo });
      expect(top).toMatchObject({ type: 'transcript', rank: 1 });
      expect(Math.abs(Number(top?.timestamp_start) - (sentence?.start ?? 0))).toBeLessThanOrEqual(3);
    });
  });

  describe('loose words', () => {
    it('does not match an unrelated word two letters away from a spoken one (heart, heavy)', async () => {
      const spoken = await search(owner.token, { query: 'heavy', modes: ['transcript'] });

      const unrelated = await search(owner.token, { query: 'heart', modes: ['transcript'] });

      // The spoken word itself is found, so the refusal below is about the distance, not a missing transcript.
      expect(videosOf(spoken)[0]).toMatchObject({ video_id: clipVideo });
      expect(unrelated.status).toBe(200);
      expect(unrelated.body.meta.total).toBe(0);
      expect(unrelated.body.data).toEqual([]);
    });

    it('still matches a short word with two letters swapped (haevy) or one letter wrong (heavi)', async () => {
      const sentence = clip.speech[3];

      for (const query of ['haevy', 'heavi']) {
        const response = await search(owner.token, { query, modes: ['transcript'] });
        const [top] = segmentsOf(videosOf(response)[0]);

        expect(videosOf(response)[0]).toMatchObject({ video_id: clipVideo });
        expect(Math.abs(Number(top?.timestamp_start) - (sentence?.start ?? 0))).toBeLessThanOrEqual(3);
      }
    });
  });

  describe('an image and a query together (api.md: the image leads, the text refines)', () => {
    it('answers the pictured video with both the pictured frames and the spoken moment of that scene, segments by score', async () => {
      const scene = clip.scenes[3];
      const sentence = clip.speech[3];
      const image = await croppedFrame(clip.path, mid(scene), 'jpeg');

      const response = await searchForm(owner.token, { query: sentence?.text ?? '', thumbnails: 'none' }, { bytes: image, type: 'image/jpeg', name: 'm.jpg' });
      const [best] = videosOf(response);
      const segments = segmentsOf(best);
      const pictured = segments.find((segment) => String(segment.type) === 'frame');
      const spoken = segments.find((segment) => String(segment.type) === 'transcript');
      const scores = segments.map((segment) => Number(segment.score));

      expect(response.status).toBe(200);
      expect(response.body.meta.warnings).toEqual([]);
      expect(best).toMatchObject({ video_id: clipVideo });
      expect(Math.abs(Number(pictured?.timestamp_start) - mid(scene))).toBeLessThanOrEqual(3);
      expect(Math.abs(Number(spoken?.timestamp_start) - (sentence?.start ?? 0))).toBeLessThanOrEqual(3);
      // Within a video, segments go by score (api.md), whichever list found them.
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(segments.map((segment) => segment.rank)).toEqual(segments.map((_, index) => index + 1));
    });

    it('puts the pictured video ahead of a video that only the words match, and keeps both', async () => {
      // Spoken only in the second video; the picture is of the first. Measured: the frame scores ≈ 0.80 and the
      // spoken sentence ≈ 0.86, so with equal weights (a tie in RRF, then the better score) the words' video would lead.
      const elsewhere = other.speech[0];
      const image = await croppedFrame(clip.path, mid(clip.scenes[3]), 'jpeg');

      const words = await search(owner.token, { query: elsewhere?.text, modes: ['transcript', 'ocr'] });
      const both = await searchForm(owner.token, { query: elsewhere?.text ?? '', thumbnails: 'none' }, { bytes: image, type: 'image/jpeg', name: 'm.jpg' });

      expect(videosOf(words)[0]).toMatchObject({ video_id: otherVideo });
      expect(videosOf(both).map((video) => video.video_id)).toEqual([clipVideo, otherVideo]);
      expect(both.body.meta.total).toBe(2);
      expect(segmentsOf(videosOf(both)[0])[0]).toMatchObject({ type: 'frame', rank: 1 });
      expect(segmentsOf(videosOf(both)[1]).some((segment) => String(segment.type) === 'transcript')).toBe(true);
    });
  });

  describe('scope', () => {
    // One word from a sentence of each of the owner's videos, both recognised by either speech preset
    // ('apple' is not: PocketSphinx's narrower fast preset hears "they plan to tackle trees").
    const BOTH = 'piano festival';

    it('searches the whole account by default, and one collection or one video when asked', async () => {
      const everywhere = await search(owner.token, { query: BOTH });
      const inSecond = await search(owner.token, { query: BOTH, collection_id: secondCollection });
      const inClip = await search(owner.token, { query: BOTH, video_id: clipVideo });

      expect(new Set(videosOf(everywhere).map((video) => video.video_id))).toEqual(new Set([clipVideo, otherVideo]));
      expect(everywhere.body.meta.total).toBe(2);
      expect(videosOf(inSecond).map((video) => [video.video_id, video.collection_id])).toEqual([[otherVideo, secondCollection]]);
      expect(videosOf(inClip).map((video) => video.video_id)).toEqual([clipVideo]);
      expect(inClip.body.meta.total).toBe(1);
    });

    it('answers COLLECTION_NOT_FOUND for an unknown collection and VIDEO_NOT_FOUND for another account’s video, at no cost', async () => {
      const before = await searchesToday(owner.token);

      const unknown = await search(owner.token, { query: 'piano', collection_id: 'col_doesnotexist' });
      const theirs = await search(owner.token, { query: 'piano', video_id: strangerVideo });
      const outside = await search(owner.token, { query: 'piano', collection_id: secondCollection, video_id: clipVideo });

      expect(unknown.status).toBe(404);
      expect(errorOf(unknown)).toMatchObject({ code: 'COLLECTION_NOT_FOUND' });
      expect(theirs.status).toBe(404);
      expect(errorOf(theirs)).toMatchObject({ code: 'VIDEO_NOT_FOUND' });
      expect(errorOf(outside)).toMatchObject({ code: 'VIDEO_NOT_FOUND' });
      expect(await searchesToday(owner.token)).toBe(before);
    });

    it('never shows another account’s videos, even with the same content', async () => {
      const mine = await search(owner.token, { query: clip.speech[0]?.text, modes: ['transcript', 'ocr'] });
      const theirs = await search(stranger.token, { query: clip.speech[0]?.text });
      const theirPicture = await searchForm(
        stranger.token,
        {},
        { bytes: await croppedFrame(clip.path, mid(clip.scenes[3]), 'jpeg'), type: 'image/jpeg', name: 'a.jpg' },
      );

      expect(videosOf(mine)[0]?.video_id).toBe(clipVideo);
      expect(videosOf(mine).map((video) => video.video_id)).not.toContain(strangerVideo);
      expect(videosOf(theirs).map((video) => video.video_id)).toEqual([strangerVideo]);
      expect(videosOf(theirPicture).map((video) => video.video_id)).toEqual([strangerVideo]);
    });

    it('pages through videos: per_page 1 gives different videos on pages 1 and 2, with the same total', async () => {
      const first = await search(owner.token, { query: BOTH, per_page: 1, page: 1 });
      const second = await search(owner.token, { query: BOTH, per_page: 1, page: 2 });
      const third = await search(owner.token, { query: BOTH, per_page: 1, page: 3 });

      expect(videosOf(first)).toHaveLength(1);
      expect(videosOf(second)).toHaveLength(1);
      expect(videosOf(first)[0]?.video_id).not.toBe(videosOf(second)[0]?.video_id);
      expect([first.body.meta.total, second.body.meta.total, third.body.meta.total]).toEqual([2, 2, 2]);
      expect(second.body.meta).toMatchObject({ page: 2, per_page: 1 });
      expect(third.body.data).toEqual([]);
      // Ranks count across the whole result, so page 2 goes on where page 1 stopped.
      expect(Number(segmentsOf(videosOf(second)[0])[0]?.rank)).toBe(segmentsOf(videosOf(first)[0]).length + 1);
    });
  });

  describe('feedback', () => {
    it('hides a down-voted segment, shows it flagged with include_hidden, and shows it again once withdrawn', async () => {
      const query = { query: 'hungry bear searched the forest', video_id: clipVideo, modes: ['transcript'] };
      const before = segmentsOf(videosOf(await search(owner.token, query))[0]);
      const target = before[0];
      const start = Number(target?.timestamp_start);

      const voted = await api.post('/v1/search/feedback', {
        token: owner.token,
        body: { video_id: clipVideo, timestamp_start: start, signal: 'down', query: query.query },
      });
      const hidden = await search(owner.token, query);
      const flagged = await search(owner.token, { ...query, include_hidden: true });
      const withdrawn = await api.delete(`/v1/search/feedback?video_id=${clipVideo}&timestamp_start=${start}`, { token: owner.token });
      const back = await search(owner.token, query);

      expect(voted.status).toBe(200);
      expect(voted.body.data).toBeNull();
      expect(
        videosOf(hidden)
          .flatMap(segmentsOf)
          .some((segment) => Number(segment.timestamp_start) === start),
      ).toBe(false);
      expect(
        videosOf(flagged)
          .flatMap(segmentsOf)
          .find((segment) => Number(segment.timestamp_start) === start),
      ).toMatchObject({ hidden: true });
      expect(withdrawn.status).toBe(204);
      expect(segmentsOf(videosOf(back)[0]).find((segment) => Number(segment.timestamp_start) === start)).toMatchObject({ hidden: false });
    });

    it('refuses feedback on another account’s video and unknown fields', async () => {
      const theirs = await api.post('/v1/search/feedback', { token: owner.token, body: { video_id: strangerVideo, timestamp_start: 0, signal: 'down' } });
      const extra = await api.post('/v1/search/feedback', { token: owner.token, body: { video_id: clipVideo, timestamp_start: 0, signal: 'down', why: 'x' } });
      const withdrawTheirs = await api.delete(`/v1/search/feedback?video_id=${strangerVideo}&timestamp_start=0`, { token: owner.token });

      expect(errorOf(theirs)).toMatchObject({ code: 'VIDEO_NOT_FOUND' });
      expect(errorOf(extra)).toMatchObject({ code: 'VALIDATION_ERROR' });
      expect(errorOf(withdrawTheirs)).toMatchObject({ code: 'VIDEO_NOT_FOUND' });
    });
  });

  describe('PureFrame fields (api.md: scene, natural_language, labels)', () => {
    it('searches the visual frames for modes=scene, answering frame segments', async () => {
      const scene = clip.scenes[3];
      const image = await croppedFrame(clip.path, mid(scene), 'jpeg');

      const response = await searchForm(owner.token, { modes: 'scene', thumbnails: 'none' }, { bytes: image, type: 'image/jpeg', name: 'scene.jpg' });

      expectFrameMomentFirst(response, clipVideo, mid(scene));
      expect(
        videosOf(response)
          .flatMap(segmentsOf)
          .every((segment) => String(segment.type) === 'frame'),
      ).toBe(true);
    });

    it('reads "says \"…\"" as speech holding the quoted words, and reports the reading in meta.interpreted', async () => {
      // The phrase is two words as speech recognition heard them, so the exact match does not hang on the recogniser.
      const plain = await search(owner.token, { query: clip.speech[4]?.text, modes: ['transcript'], video_id: clipVideo });
      const heard = String(segmentsOf(videosOf(plain)[0])[0]?.text_content)
        .split(/\s+/)
        .slice(0, 2)
        .join(' ');

      const response = await search(owner.token, { query: `the narrator says "${heard}"`, natural_language: true });

      expect(response.status).toBe(200);
      expect(response.body.meta.interpreted).toEqual({
        query: heard,
        modes: ['transcript'],
        exact_phrases: [heard],
        after_secs: null,
        collection: null,
        collection_found: null,
        collection_id: null,
      });
      const segments = videosOf(response).flatMap(segmentsOf);
      expect(segments.length).toBeGreaterThan(0);
      expect(
        segments.every((segment) => String(segment.type) === 'transcript' && String(segment.text_content).toLowerCase().includes(heard.toLowerCase())),
      ).toBe(true);
    });

    it('reads "on screen …" as on-screen text', async () => {
      const caption = clip.captions[3];

      const response = await search(owner.token, { query: `on screen ${caption?.text.toLowerCase()}`, natural_language: 'true', video_id: clipVideo });

      expect(response.body.meta.interpreted).toMatchObject({ query: caption?.text.toLowerCase(), modes: ['ocr'] });
      const [top] = segmentsOf(videosOf(response)[0]);
      expect(top).toMatchObject({ type: 'ocr', rank: 1, text_content: expect.stringMatching(/PURPLE CANDLE SHOP/i) });
      expect(
        videosOf(response)
          .flatMap(segmentsOf)
          .every((segment) => String(segment.type) === 'ocr'),
      ).toBe(true);
    });

    it('keeps only moments from "after N seconds" on', async () => {
      // Two sentences in a row: the words of both, and a time between their starts, which only the later one passes.
      const [earlier, later] = [clip.speech[4], clip.speech[5]];
      const after = Math.ceil((earlier?.start ?? 0) + 0.5);

      const response = await search(owner.token, {
        query: `${earlier?.text} ${later?.text} after ${after} seconds`,
        natural_language: true,
        modes: ['transcript'],
        video_id: clipVideo,
      });

      expect(response.body.meta.interpreted).toMatchObject({ query: `${earlier?.text} ${later?.text}`, after_secs: after });
      const starts = videosOf(response)
        .flatMap(segmentsOf)
        .map((segment) => Number(segment.timestamp_start));
      expect(starts.some((start) => Math.abs(start - (later?.start ?? 0)) <= 1.5)).toBe(true);
      expect(starts.every((start) => start >= after)).toBe(true);
    });

    it('answers labels with a warning that no label source exists, never a 422, and the same results', async () => {
      const query = { query: clip.speech[4]?.text, video_id: clipVideo, thumbnails: 'none' };

      const labelled = await searchForm(owner.token, { ...query, labels: ['person', 'kitchen'] } as Record<string, string | string[]>);
      const plain = await search(owner.token, query);

      expect(labelled.status).toBe(200);
      expect(list(labelled.body.meta.warnings)).toContainEqual(expect.stringMatching(/labels \(person, kitchen\).*no label source/));
      expect(videosOf(labelled).map((video) => segmentsOf(video).map((segment) => segment.timestamp_start))).toEqual(
        videosOf(plain).map((video) => segmentsOf(video).map((segment) => segment.timestamp_start)),
      );
    });
  });

  describe('thumbnails', () => {
    const query = { query: 'purple candle shop' };

    it('gives a fetchable JPEG url by default', async () => {
      const response = await search(owner.token, { ...query, video_id: clipVideo });
      const [top] = segmentsOf(videosOf(response)[0]);

      const thumbnail = await fetch(String(top?.thumbnail_url));
      const bytes = Buffer.from(await thumbnail.arrayBuffer());

      expect(thumbnail.status).toBe(200);
      expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
      expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      expect(top).not.toHaveProperty('thumbnail_base64');
    });

    it('signs its links: the video plays from its moment, and a link whose key or signature is altered is refused', async () => {
      const response = await search(owner.token, { ...query, video_id: clipVideo });
      const [top] = segmentsOf(videosOf(response)[0]);
      const thumbnailUrl = new URL(String(top?.thumbnail_url));
      const otherKey = new URL(thumbnailUrl);
      otherKey.pathname = otherKey.pathname.replace(/\.jpg$/, '.png');
      const forged = new URL(thumbnailUrl);
      forged.searchParams.set('X-Amz-Signature', '0'.repeat(64));

      const video = await fetch(String(top?.video_url).split('#')[0] ?? '', { headers: { range: 'bytes=0-15' } });
      const [renamed, tampered] = await Promise.all([fetch(otherKey), fetch(forged)]);

      expect(video.status).toBe(206);
      expect(
        Buffer.from(await video.arrayBuffer())
          .subarray(4, 8)
          .toString('latin1'),
      ).toBe('ftyp');
      expect(renamed.status).toBe(403);
      expect(tampered.status).toBe(403);
    });

    it('inlines the JPEG with thumbnails=base64 and leaves it out with none', async () => {
      const inline = await search(owner.token, { ...query, video_id: clipVideo, thumbnails: 'base64' });
      const none = await search(owner.token, { ...query, video_id: clipVideo, thumbnails: 'none' });
      const [inlined] = segmentsOf(videosOf(inline)[0]);
      const [bare] = segmentsOf(videosOf(none)[0]);

      expect([...Buffer.from(String(inlined?.thumbnail_base64), 'base64').subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      expect(inlined).not.toHaveProperty('thumbnail_url');
      expect(bare).not.toHaveProperty('thumbnail_url');
      expect(bare).not.toHaveProperty('thumbnail_base64');
      expect(bare).toMatchObject({ type: 'ocr', video_url: expect.any(String) });
    });
  });

  describe('refusals', () => {
    it.each([
      ['nothing to search with', { thumbnails: 'url' }, 'query'],
      ['an empty query', { query: '  ' }, 'query'],
      ['per_page 51', { query: 'piano', per_page: 51 }, 'per_page'],
      ['per_page 0', { query: 'piano', per_page: 0 }, 'per_page'],
      ['per_page 11 with base64 thumbnails', { query: 'piano', per_page: 11, thumbnails: 'base64' }, 'per_page'],
      ['page × per_page past 10 000 rows', { query: 'piano', page: 1001, per_page: 10 }, 'page'],
      ['max_segments 21', { query: 'piano', max_segments: 21 }, 'max_segments'],
      ['an unknown field', { query: 'piano', limit: 5 }, ''],
      ['an unknown mode', { query: 'piano', modes: ['audio'] }, 'modes'],
      ['modes that are not strings', { query: 'piano', modes: 3 }, 'modes'],
      ['an unknown thumbnails value', { query: 'piano', thumbnails: 'png' }, 'thumbnails'],
      ['a query over 1000 characters', { query: 'a'.repeat(1001) }, 'query'],
      ['an image_url that is not http(s)', { image_url: 'ftp://example.com/a.jpg' }, 'image_url'],
    ])('answers 422 VALIDATION_ERROR for %s, at no cost', async (_what, body, path) => {
      const before = await searchesToday(owner.token);

      const response = await search(owner.token, body);

      expect(response.status).toBe(422);
      expect(errorOf(response)).toMatchObject({ code: 'VALIDATION_ERROR', request_id: response.headers.get('x-request-id') });
      if (path) expect(list(errorOf(response).fields).some((field) => String(field.path).split('.')[0] === path)).toBe(true);
      expect(await searchesToday(owner.token)).toBe(before);
    });

    it('answers 422 for an image together with an image_url, and for bad modes in a form', async () => {
      const jpeg = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#336699' } })
        .jpeg()
        .toBuffer();

      const both = await searchForm(owner.token, { image_url: 'https://example.com/a.jpg' }, { bytes: jpeg, type: 'image/jpeg', name: 'a.jpg' });
      const badModes = await searchForm(owner.token, { query: 'piano', modes: ['video', 'smell'] });

      expect(both.status).toBe(422);
      expect(list(errorOf(both).fields).map((field) => field.path)).toEqual(['image_url']);
      expect(badModes.status).toBe(422);
      expect(errorOf(badModes)).toMatchObject({ code: 'VALIDATION_ERROR' });
    });

    it('answers 413 UPLOAD_TOO_LARGE for an image over 4 MB', async () => {
      // Over our 4 MB but under the platform's 6 MB body limit, so that our own check answers.
      const big = await sharp({ create: { width: 1250, height: 1250, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
        .png({ compressionLevel: 0 })
        .toBuffer();
      expect(big.length).toBeGreaterThan(4 * 1024 * 1024);
      expect(big.length).toBeLessThan(5.5 * 1024 * 1024);

      const response = await searchForm(owner.token, {}, { bytes: big, type: 'image/png', name: 'big.png' });

      expect(response.status).toBe(413);
      expect(errorOf(response)).toMatchObject({ code: 'UPLOAD_TOO_LARGE', message: expect.stringContaining('search image') });
    });

    it.each([
      ['a GIF', Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(200)]), 'image/gif', 'a.gif'],
      ['a text file', Buffer.from('not a picture at all\n'.repeat(20)), 'text/plain', 'a.txt'],
      ['a text file calling itself a JPEG', Buffer.from('not a picture at all\n'.repeat(20)), 'image/jpeg', 'a.jpg'],
      ['a truncated JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]), 'image/jpeg', 'broken.jpg'],
    ])('answers 415 UNSUPPORTED_FORMAT for %s', async (_what, bytes, type, name) => {
      const response = await searchForm(owner.token, {}, { bytes, type, name });

      expect(response.status).toBe(415);
      expect(errorOf(response)).toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    });

    it('answers 422 for a 32×32 picture and for an image_url to a loopback address', async () => {
      const tiny = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#ff0000' } })
        .png()
        .toBuffer();

      const small = await searchForm(owner.token, {}, { bytes: tiny, type: 'image/png', name: 'tiny.png' });
      const loopback = await search(owner.token, { image_url: `${api.runtime().url}/v1/health` });
      const loopbackByIp = await search(owner.token, { image_url: 'http://127.0.0.1:9/a.jpg' });

      expect(small.status).toBe(422);
      expect(list(errorOf(small).fields).map((field) => field.path)).toEqual(['image']);
      for (const response of [loopback, loopbackByIp]) {
        expect(response.status).toBe(422);
        expect(list(errorOf(response).fields).map((field) => field.path)).toEqual(['image_url']);
      }
    });

    it('answers 422 naming image_url when the picture server answers 404, at no cost', async () => {
      const before = await searchesToday(owner.token);

      const response = await search(owner.token, { image_url: `${pictures.origin}/missing.jpg` });

      expect(response.status).toBe(422);
      expect(errorOf(response)).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/image_url.*404/) });
      expect(list(errorOf(response).fields).map((field) => field.path)).toEqual(['image_url']);
      expect(await searchesToday(owner.token)).toBe(before);
    });

    it('answers 415 UNSUPPORTED_FORMAT when image_url serves something that is not a picture (errors.md: unsupported search image type)', async () => {
      pictures.files.set('/notes.txt', { type: 'text/plain', body: Buffer.from('just words, no picture\n'.repeat(10)) });
      pictures.files.set('/fake.jpg', { type: 'image/jpeg', body: Buffer.from('just words calling themselves a JPEG\n'.repeat(10)) });
      const before = await searchesToday(owner.token);

      const text = await search(owner.token, { image_url: `${pictures.origin}/notes.txt` });
      const fake = await search(owner.token, { image_url: `${pictures.origin}/fake.jpg` });

      for (const response of [text, fake]) {
        expect(response.status).toBe(415);
        expect(errorOf(response)).toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
      }
      expect(await searchesToday(owner.token)).toBe(before);
    });

    it('answers 503 SEARCH_UNAVAILABLE with Retry-After when the index cannot answer, and gives the search unit back', async () => {
      const before = await searchesToday(owner.token);
      armFault('search_index_unavailable');

      const response = await search(owner.token, { query: 'piano' }).finally(() => disarmFault('search_index_unavailable'));
      const after = await searchesToday(owner.token);
      const recovered = await search(owner.token, { query: 'piano' });

      expect(response.status).toBe(503);
      expect(errorOf(response)).toMatchObject({ code: 'SEARCH_UNAVAILABLE', retry_after: expect.any(Number) });
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(response.text).not.toMatch(/arn:|Exception|fault switch/);
      expect(after).toBe(before);
      expect(recovered.status).toBe(200);
      expect(await searchesToday(owner.token)).toBe(before + 1);
    });
  });

  describe('POST /v1/search/suggest', () => {
    it('completes a prefix from what is said, what is shown, and the account’s past queries', async () => {
      await search(owner.token, { query: 'Hungry bear' });

      const spoken = await api.post('/v1/search/suggest', { token: owner.token, body: { prefix: 'grandm' } });
      const shown = await api.post('/v1/search/suggest', { token: owner.token, body: { prefix: 'silver mo' } });
      const history = await api.post('/v1/search/suggest', { token: owner.token, body: { prefix: 'hungry b' } });
      const theirs = await api.post('/v1/search/suggest', { token: stranger.token, body: { prefix: 'hungry b' } });

      expect(spoken.status).toBe(200);
      expect(list(spoken.body.data)).toContainEqual({ text: 'grandmother tells us stories by', source: 'transcript' });
      expect(list(shown.body.data)).toContainEqual({ text: expect.stringMatching(/^silver moon castle/), source: 'ocr' });
      expect(list(history.body.data)).toContainEqual({ text: 'Hungry bear', source: 'history' });
      // The fast preset hears "searched" as "search": either completes the prefix.
      expect(list(history.body.data)).toContainEqual({ text: expect.stringMatching(/^hungry bear search/), source: 'transcript' });
      expect(list(theirs.body.data).some((item) => String(item.source) === 'history')).toBe(false);
    });

    it('remembers a search once its checks pass, not one refused for its scope', async () => {
      // Arrange
      const refused = await search(owner.token, { query: 'Wandering penguin', collection_id: 'col_nope' });
      const answered = await search(owner.token, { query: 'Wandering otter' });

      // Act
      const history = await api.post('/v1/search/suggest', { token: owner.token, body: { prefix: 'wandering' } });

      // Assert
      expect(errorOf(refused)).toMatchObject({ code: 'COLLECTION_NOT_FOUND' });
      expect(answered.status).toBe(200);
      const remembered = list(history.body.data).filter((item) => String(item.source) === 'history');
      expect(remembered).toEqual([{ text: 'Wandering otter', source: 'history' }]);
    });

    it('narrows to a collection, refuses an unknown one, and costs no search', async () => {
      const before = await searchesToday(owner.token);

      const inSecond = await api.post('/v1/search/suggest', { token: owner.token, body: { prefix: 'grandm', collection_id: secondCollection } });
      const unknown = await api.post('/v1/search/suggest', { token: owner.token, body: { prefix: 'grandm', collection_id: 'col_nope' } });
      const blank = await api.post('/v1/search/suggest', { token: owner.token, body: { prefix: ' ' } });

      expect(list(inSecond.body.data).filter((item) => String(item.source) !== 'history')).toEqual([]);
      expect(errorOf(unknown)).toMatchObject({ code: 'COLLECTION_NOT_FOUND' });
      expect(errorOf(blank)).toMatchObject({ code: 'VALIDATION_ERROR' });
      expect(await searchesToday(owner.token)).toBe(before);
    });
  });

  describe('a library that changes', () => {
    it('finds a video indexed after earlier searches read the account, and takes it out of search at once when deleted', async () => {
      const doomedCollection = await collection(owner.token, 'doomed');
      const doomed = await indexed(owner.token, doomedCollection, clip);
      const sentence = clip.speech[4]?.text;
      const before = await search(owner.token, { query: sentence });
      const totalBefore = Number(before.body.meta.total);

      const deleted = await api.delete(`/v1/videos/${doomed}`, { token: owner.token });
      const after = await search(owner.token, { query: sentence });
      const scoped = await search(owner.token, { query: sentence, collection_id: doomedCollection });

      expect(videosOf(before).map((video) => video.video_id)).toContain(doomed);
      expect(deleted.status).toBe(204);
      expect(after.status).toBe(200);
      expect(videosOf(after).map((video) => video.video_id)).not.toContain(doomed);
      expect(videosOf(after).map((video) => video.video_id)).toContain(clipVideo);
      expect(Number(after.body.meta.total)).toBe(totalBefore - 1);
      expect(scoped.status).toBe(200);
      expect(videosOf(scoped)).toEqual([]);
      expect(scoped.body.meta).toMatchObject({ total: 0 });
    }, 120_000);
  });
});

import { beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * Text search by the index's full-text search, the path of accounts too large to match in memory
 * (lib/search/account-text.ts): here every account takes it (FRAMESEEK_TEXT_IN_MEMORY_MAX_ROWS=0,
 * read once when config loads, so set before any import). The same expectations as the in-memory
 * path's (test/functions/search.test.ts): sentences, captions, typos, phrases, tenants, and a video
 * found by its words the moment its indexing job is done.
 */
vi.hoisted(() => {
  process.env.FRAMESEEK_TEXT_IN_MEMORY_MAX_ROWS = '0';
  const overrides = JSON.parse(process.env.FRAMESEEK_PLAN_OVERRIDES ?? '{}') as Record<string, unknown>;
  process.env.FRAMESEEK_PLAN_OVERRIDES = JSON.stringify({ ...overrides, plans: { free: { daily_search_quota: 100_000 } } });
});

import { segmentsOf, signUp, uploadAndIndex, useTestApi, videosOf, type ApiResponse } from '#test/support/api';
import { benchScenes, makeTalkingVideo, talkingClip, type MediaManifest } from '#test/support/talking-media';

const api = useTestApi();

async function collection(token: string, name: string): Promise<string> {
  const created = await api.post('/v1/collections', { token, body: { name } });
  return String(created.body.data.id);
}

async function indexed(token: string, collectionId: string, manifest: MediaManifest): Promise<string> {
  const { videoId, job } = await uploadAndIndex(api, token, collectionId, manifest.path);
  expect(job).toMatchObject({ status: 'done' });
  return videoId;
}

function search(token: string, body: Record<string, unknown>): Promise<ApiResponse> {
  return api.post('/v1/search', { token, body });
}

/** The best video's first segment: its video, type and start. */
function top(response: ApiResponse): { videoId: unknown; type: unknown; start: number; text: string } {
  const [best] = videosOf(response);
  const [segment] = segmentsOf(best);
  return { videoId: best?.video_id, type: segment?.type, start: Number(segment?.timestamp_start), text: String(segment?.text_content) };
}

describe('POST /v1/search with text matched by the index (large-account path)', () => {
  let clip: MediaManifest;
  let other: MediaManifest;
  let owner: { token: string };
  let stranger: { token: string };
  let ownerCollection: string;
  let clipVideo: string;

  beforeAll(async () => {
    [clip, other, owner, stranger] = await Promise.all([
      talkingClip(),
      makeTalkingVideo('search-second', { scenes: benchScenes.slice(6, 9), container: 'mp4', minSceneSecs: 5 }),
      signUp(api),
      signUp(api),
    ]);
    [ownerCollection] = await Promise.all([collection(owner.token, 'mine')]);
    const strangerCollection = await collection(stranger.token, 'theirs');
    [clipVideo] = await Promise.all([indexed(owner.token, ownerCollection, clip), indexed(stranger.token, strangerCollection, clip)]);
  }, 240_000);

  it('finds a spoken sentence and an on-screen caption at rank 1, at their times (±3 s)', async () => {
    // Arrange
    const sentence = clip.speech[4];
    const caption = clip.captions[3];

    // Act
    const spoken = await search(owner.token, { query: sentence?.text });
    const shown = await search(owner.token, { query: caption?.text.toLowerCase() });

    // Assert
    expect(spoken.status).toBe(200);
    expect(top(spoken)).toMatchObject({ videoId: clipVideo, type: 'transcript' });
    expect(Math.abs(top(spoken).start - (sentence?.start ?? 0))).toBeLessThanOrEqual(3);
    expect(top(shown)).toMatchObject({ videoId: clipVideo, type: 'ocr' });
    expect(top(shown).text).toMatch(/PURPLE CANDLE SHOP/i);
    expect(Math.abs(top(shown).start - (caption?.start ?? 0))).toBeLessThanOrEqual(3);
  });

  it('matches a short word with two letters swapped (haevy) or one letter wrong (heavi), and not an unrelated word (heart)', async () => {
    // Arrange
    const sentence = clip.speech[3];

    // Act
    const typos = await Promise.all(['haevy', 'heavi'].map((query) => search(owner.token, { query, modes: ['transcript'] })));
    const unrelated = await search(owner.token, { query: 'heart', modes: ['transcript'] });

    // Assert
    for (const response of typos) {
      expect(top(response).videoId).toBe(clipVideo);
      expect(Math.abs(top(response).start - (sentence?.start ?? 0))).toBeLessThanOrEqual(3);
    }
    expect(unrelated.body.meta.total).toBe(0);
  });

  it('keeps only moments holding a quoted phrase word for word', async () => {
    // Arrange: two words as speech recognition heard them
    const plain = await search(owner.token, { query: clip.speech[4]?.text, modes: ['transcript'], video_id: clipVideo });
    const heard = top(plain).text.split(/\s+/).slice(0, 2).join(' ');

    // Act
    const response = await search(owner.token, { query: `the narrator says "${heard}"`, natural_language: true });

    // Assert
    const segments = videosOf(response).flatMap(segmentsOf);
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((segment) => String(segment.text_content).toLowerCase().includes(heard.toLowerCase()))).toBe(true);
  });

  it('never shows another account’s video with the same words', async () => {
    // Act
    const response = await search(owner.token, { query: clip.speech[4]?.text });

    // Assert
    expect(videosOf(response).map((video) => video.video_id)).toEqual([clipVideo]);
  });

  it('finds a video by its words as soon as its indexing job is done, after earlier searches', async () => {
    // Arrange: a search before the video exists
    const sentence = other.speech[2];
    const before = await search(owner.token, { query: sentence?.text, modes: ['transcript'] });

    // Act
    const added = await indexed(owner.token, ownerCollection, other);
    const after = await search(owner.token, { query: sentence?.text, modes: ['transcript'] });

    // Assert
    expect(videosOf(before).map((video) => video.video_id)).not.toContain(added);
    expect(top(after).videoId).toBe(added);
    expect(Math.abs(top(after).start - (sentence?.start ?? 0))).toBeLessThanOrEqual(3);
  }, 240_000);
});

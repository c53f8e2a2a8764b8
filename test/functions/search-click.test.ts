import { beforeAll, describe, expect, it } from 'vitest';
import { createKey, errorOf, list, signUp, uploadAndIndex, useTestApi, type ApiResponse } from '#test/support/api';
import { mediaPath } from '#test/support/media';
import { croppedFrame, searchForm } from '#test/support/search-requests';

/**
 * POST /v1/search/click (api.md): a click counts for its search's query, in the clicking account
 * only, and lifts the clicked video by a bounded amount (the bound itself: test/lib/search/fusion.test.ts).
 *
 * Each account holds the same clip twice (duplicates not collapsed): two videos whose frames match an
 * image of the clip almost equally, so their order is decided by RRF ranks one apart, well inside the bound.
 */
const api = useTestApi();

interface Library {
  key: string;
  videos: string[];
}

let image: Buffer = Buffer.alloc(0);
let first: Library = { key: '', videos: [] };
let second: Library = { key: '', videos: [] };

async function library(): Promise<Library> {
  const { token } = await signUp(api);
  const key = (await createKey(api, token)).key;
  const collectionId = String((await api.post('/v1/collections', { token: key, body: { name: 'Clips' } })).body.data.id);
  const path = await mediaPath('clip.mkv');
  const videos = [(await uploadAndIndex(api, key, collectionId, path)).videoId, (await uploadAndIndex(api, key, collectionId, path)).videoId];
  return { key, videos };
}

function search(key: string, query: string): Promise<ApiResponse> {
  return searchForm(
    api,
    key,
    { query, modes: 'video', collapse_duplicates: 'false', thumbnails: 'none' },
    { bytes: image, type: 'image/jpeg', name: 'frame.jpg' },
  );
}

const order = (response: ApiResponse) => list(response.body.data).map((video) => String(video.video_id));

/** The click a client sends for the top segment of `videoId` in this answer. */
function clickOn(response: ApiResponse, videoId: string): Record<string, unknown> {
  const video = list(response.body.data).find((entry) => String(entry.video_id) === videoId);
  const [segment] = list(video?.segments);
  return {
    search_id: response.body.meta.search_id,
    video_id: videoId,
    timestamp_start: segment?.timestamp_start,
    timestamp_end: segment?.timestamp_end,
    rank: segment?.rank,
  };
}

beforeAll(async () => {
  [first, second] = await Promise.all([library(), library()]);
  image = await croppedFrame(await mediaPath('clip.mkv'), 0, 'jpeg');
}, 400_000);

describe('POST /v1/search/click', () => {
  it('records a click (JSON or form) with data: null, and refuses a video of another account as VIDEO_NOT_FOUND', async () => {
    const answer = await search(first.key, 'test card');
    const click = clickOn(answer, order(answer)[0] ?? '');

    const asJson = await api.post('/v1/search/click', { token: first.key, body: click });
    const asForm = await api.post('/v1/search/click', {
      token: first.key,
      rawBody: new URLSearchParams(Object.entries(click).map(([name, value]) => [name, String(value)])).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    const theirs = await api.post('/v1/search/click', { token: first.key, body: { ...click, video_id: second.videos[0] } });
    const noRank = await api.post('/v1/search/click', { token: first.key, body: { ...click, rank: 0 } });

    expect([asJson.status, asJson.body.data, asForm.status, asForm.body.data]).toEqual([200, null, 200, null]);
    expect([theirs.status, errorOf(theirs).code]).toEqual([404, 'VIDEO_NOT_FOUND']);
    expect([noRank.status, errorOf(noRank).code]).toEqual([422, 'VALIDATION_ERROR']);
  });

  it("raises the clicked video for the same query in the same account, and reorders neither another query nor another account's results", async () => {
    const query = 'colour bars';
    const before = await search(first.key, query);
    const otherBefore = order(await search(second.key, query));
    const otherQueryBefore = order(await search(first.key, 'a different question'));
    const [top, runnerUp] = order(before);

    // Two searches, one click each: two clicks for this query (one search counts a result once).
    const again = await search(first.key, query);
    const clicked = await Promise.all(
      [before, again].map((answer) => api.post('/v1/search/click', { token: first.key, body: clickOn(answer, runnerUp ?? '') })),
    );
    const after = order(await search(first.key, 'Colour  bars!'));
    const otherAfter = order(await search(second.key, query));
    const otherQueryAfter = order(await search(first.key, 'a different question'));

    expect(clicked.map((response) => response.status)).toEqual([200, 200]);
    expect(order(before)).toHaveLength(2);
    expect(after).toEqual([runnerUp, top]);
    expect(otherAfter).toEqual(otherBefore);
    expect(otherQueryAfter).toEqual(otherQueryBefore);
  });

  it('counts a click once per search and segment: one click repeated does not add up to the two that lift a video', async () => {
    const query = 'repeat clicks';
    const before = await search(first.key, query);
    const click = clickOn(before, order(before)[1] ?? '');

    const repeats = await Promise.all([1, 2, 3].map(() => api.post('/v1/search/click', { token: first.key, body: click })));

    expect(repeats.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(order(await search(first.key, query))).toEqual(order(before));
  });
});

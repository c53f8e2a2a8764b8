import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, Index } from '@lancedb/lancedb';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startS3Local } from '#infra/local/s3';
import { freePort } from '#infra/local/runtime';
import { armFault, disarmFault } from '#lib/faults';
import { LanceSearchIndex, type LanceSearchIndexOptions } from '#lib/search/lance-index';
import { IndexUnavailableError } from '#lib/search/types';
import { frame, spoken, TEST_EMBEDDER } from '#test/support/segment-rows';
import { startStallingProxy } from '#test/support/stalling-proxy';

const EMBEDDER = TEST_EMBEDDER;
const DIMENSION = 8;

const directories: string[] = [];
function temporaryDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  directories.push(directory);
  return directory;
}

/** LanceDB storage options for the s3rver stand-in (or a proxy in front of it) at `endpoint`. */
function s3rverStorage(endpoint: string): Record<string, string> {
  return { aws_endpoint: endpoint, aws_region: 'us-east-1', aws_access_key_id: 'S3RVER', aws_secret_access_key: 'S3RVER', allow_http: 'true' };
}

function openIndex(options: LanceSearchIndexOptions = {}): LanceSearchIndex {
  return LanceSearchIndex.open(temporaryDirectory('frameseek-lance-'), options);
}

/** A unit vector pointing mostly along `axis`, turned by `angle` radians towards the next axis. */
function direction(axis: number, angle = 0, dimension = DIMENSION): Float32Array {
  const vector = new Float32Array(dimension);
  vector[axis % dimension] = Math.cos(angle);
  vector[(axis + 1) % dimension] = Math.sin(angle);
  return vector;
}

const ids = (hits: { row: { id: string } }[]) => hits.map((hit) => hit.row.id);

describe('LanceSearchIndex', () => {
  afterEach(() => disarmFault('search_index_unavailable'));
  afterAll(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  describe('replaceVideo', () => {
    it('stores every row of a video and answers them in time order', async () => {
      const index = openIndex();
      const rows = [frame(4, direction(0)), spoken(0, 'hello there'), frame(0, direction(1)), spoken(3, 'EXIT', {}, 'ocr')];

      await index.replaceVideo('acc_1', 'vid_1', rows);

      const segments = await index.videoSegments('acc_1', 'vid_1', ['frame', 'transcript', 'ocr']);
      expect(segments.map((row) => [row.start_secs, row.type])).toEqual([
        [0, 'frame'],
        [0, 'transcript'],
        [3, 'ocr'],
        [4, 'frame'],
      ]);
      expect(segments[1]).toEqual({ ...spoken(0, 'hello there'), vector: undefined, embedder: '' });
      expect(await index.videoSegments('acc_1', 'vid_1', ['ocr'])).toHaveLength(1);
      expect(await index.countSegments('acc_1', 'vid_1')).toBe(4);
    });

    it('is safe to repeat, and a new set of rows replaces the old one entirely', async () => {
      const index = openIndex();
      const first = [frame(0, direction(0)), frame(2, direction(1)), spoken(0, 'first words'), spoken(5, 'more first words')];
      await index.replaceVideo('acc_1', 'vid_1', first);
      await index.replaceVideo('acc_1', 'vid_1', first);
      expect(await index.countSegments('acc_1', 'vid_1')).toBe(4);

      await index.replaceVideo('acc_1', 'vid_1', [frame(2, direction(2)), spoken(10, 'second words')]);

      const segments = await index.videoSegments('acc_1', 'vid_1', ['frame', 'transcript']);
      expect(segments.map((row) => row.id)).toEqual(['vid_1:frame:2', 'vid_1:transcript:10']);
      expect(ids(await index.matchText({ accountId: 'acc_1' }, ['transcript'], 'first', 10))).toEqual([]);
      const nearest = await index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(2), 5);
      expect(nearest.map((hit) => [hit.row.id, hit.raw_score])).toEqual([['vid_1:frame:2', expect.closeTo(1, 5)]]);
    });

    it('leaves other videos alone', async () => {
      const index = openIndex();
      await index.replaceVideo('acc_1', 'vid_1', [frame(0, direction(0)), spoken(0, 'one')]);
      await index.replaceVideo('acc_1', 'vid_2', [frame(0, direction(0), { video: 'vid_2' }), spoken(0, 'two', { video: 'vid_2' })]);

      await index.replaceVideo('acc_1', 'vid_1', []);

      expect(await index.countSegments('acc_1', 'vid_1')).toBe(0);
      expect(await index.countSegments('acc_1', 'vid_2')).toBe(2);
    });

    it('lets readers see the old rows or the new ones during a swap, never a mix or nothing', async () => {
      const index = openIndex();
      const version = (name: string) => [0, 5, 10, 15].map((start) => spoken(start, `${name} sentence at ${start}`));
      const a = version('alpha');
      const b = version('beta').map((row) => ({ ...row, id: `${row.id}:b` }));
      await index.replaceVideo('acc_1', 'vid_1', a);
      const seen: string[] = [];
      let writing = true;

      const reader = (async () => {
        while (writing) {
          const rows = await index.videoSegments('acc_1', 'vid_1', ['transcript']);
          seen.push(rows.map((row) => row.text.split(' ')[0]).join(','));
        }
      })();
      for (let swap = 0; swap < 6; swap += 1) await index.replaceVideo('acc_1', 'vid_1', swap % 2 === 0 ? b : a);
      writing = false;
      await reader;

      expect(seen.length).toBeGreaterThan(3);
      expect(new Set(seen)).toEqual(new Set(['alpha,alpha,alpha,alpha', 'beta,beta,beta,beta']));
    });

    it('keeps every video when several are written at once', async () => {
      const index = openIndex();
      const videos = ['vid_a', 'vid_b', 'vid_c', 'vid_d'];

      await Promise.all(
        videos.map((video) => index.replaceVideo('acc_1', video, [frame(0, direction(1), { video }), spoken(0, `words of ${video}`, { video })])),
      );

      for (const video of videos) expect(await index.countSegments('acc_1', video)).toBe(2);
    });

    it('refuses rows of another video or account', async () => {
      const index = openIndex();

      await expect(index.replaceVideo('acc_1', 'vid_1', [spoken(0, 'x', { account: 'acc_2' })])).rejects.toThrow(/acc_2/);
      await expect(index.replaceVideo('acc_1', 'vid_1', [spoken(0, 'x', { video: 'vid_9' })])).rejects.toThrow(/vid_9/);
    });
  });

  describe('nearestFrames', () => {
    it('orders frames by cosine similarity, scored in [-1, 1]', async () => {
      const index = openIndex();
      const rows = [0.9, 0.1, 0.5, 0, 3.1].map((angle, position) => frame(position * 2, direction(0, angle)));
      await index.replaceVideo('acc_1', 'vid_1', rows);

      const hits = await index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(0), 4);

      expect(hits.map((hit) => hit.row.start_secs)).toEqual([6, 2, 4, 0]);
      expect(hits.map((hit) => hit.raw_score)).toEqual([1, Math.cos(0.1), Math.cos(0.5), Math.cos(0.9)].map((score) => expect.closeTo(score, 5)));
      expect(hits[0]?.row).toEqual({ ...frame(6, direction(0)), vector: undefined, text: '', words_json: '' });
      const opposite = await index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(0, Math.PI), 1);
      expect(opposite[0]?.raw_score).toBeCloseTo(Math.cos(Math.PI - 3.1), 5);
    });

    it('refines: the same nearest frames to the query, each with its cosine to the refining vector', async () => {
      const index = openIndex();
      const rows = [0.9, 0.1, 0.5, 0, 3.1].map((angle, position) => frame(position * 2, direction(0, angle)));
      await index.replaceVideo('acc_1', 'vid_1', rows);
      const refineWith = direction(1);

      const plain = await index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(0), 3);
      const refined = await index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(0), 3, refineWith);

      expect(ids(refined)).toEqual(ids(plain));
      expect(refined.map((hit) => hit.raw_score)).toEqual(plain.map((hit) => hit.raw_score));
      // Frames at angle a from axis 0 towards axis 1 are at cos(π/2 − a) = sin(a) from axis 1.
      expect(refined.map((hit) => hit.refined_score)).toEqual([0, 0.1, 0.5].map((angle) => expect.closeTo(Math.sin(angle), 5)));
      expect(plain.every((hit) => hit.refined_score === undefined)).toBe(true);
      await expect(index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(0), 3, direction(1, 0, 4))).rejects.toBeInstanceOf(RangeError);
    });

    it('never returns another account, and filters by collection and video', async () => {
      const index = openIndex();
      const same = direction(3);
      await index.replaceVideo('acc_1', 'vid_1', [frame(0, same)]);
      await index.replaceVideo('acc_1', 'vid_2', [frame(0, same, { video: 'vid_2', collection: 'col_2' })]);
      await index.replaceVideo('acc_2', 'vid_3', [frame(0, same, { account: 'acc_2', video: 'vid_3' })]);

      const all = await index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, same, 10);
      const collection = await index.nearestFrames({ accountId: 'acc_1', collectionId: 'col_2' }, EMBEDDER, same, 10);
      const video = await index.nearestFrames({ accountId: 'acc_1', videoId: 'vid_1' }, EMBEDDER, same, 10);
      const injected = await index.nearestFrames({ accountId: "acc_1' OR account_id != '" }, EMBEDDER, same, 10);
      const foreign = await index.nearestFrames({ accountId: 'acc_2', videoId: 'vid_1' }, EMBEDDER, same, 10);

      expect(ids(all).sort()).toEqual(['vid_1:frame:0', 'vid_2:frame:0']);
      expect(ids(collection)).toEqual(['vid_2:frame:0']);
      expect(ids(video)).toEqual(['vid_1:frame:0']);
      expect(injected).toEqual([]);
      expect(foreign).toEqual([]);
    });

    it('fills the limit for a small account among many rows of others (filter before k-NN)', async () => {
      const index = openIndex();
      const crowd = Array.from({ length: 3000 }, (_, position) =>
        frame(position, direction(0, (position % 50) / 1000), { account: 'acc_big', video: 'vid_big' }),
      );
      await index.replaceVideo('acc_big', 'vid_big', crowd);
      await index.replaceVideo(
        'acc_small',
        'vid_small',
        [0, 1, 2, 3, 4, 5].map((start) => frame(start, direction(4), { account: 'acc_small', video: 'vid_small' })),
      );

      const hits = await index.nearestFrames({ accountId: 'acc_small' }, EMBEDDER, direction(0), 5);

      expect(hits).toHaveLength(5);
      expect(hits.every((hit) => hit.row.account_id === 'acc_small')).toBe(true);
    });

    it('keeps the tables of two embedders apart, and a reindex moves a video to its new embedder', async () => {
      const index = openIndex();
      const wide = (axis: number) => direction(axis, 0, 16);
      await index.replaceVideo('acc_1', 'vid_1', [frame(0, direction(0)), spoken(0, 'kept words')]);
      await index.replaceVideo('acc_1', 'vid_2', [frame(0, wide(0), { video: 'vid_2' }, 'other@2')]);

      expect(ids(await index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(0), 5))).toEqual(['vid_1:frame:0']);
      expect(ids(await index.nearestFrames({ accountId: 'acc_1' }, 'other@2', wide(0), 5))).toEqual(['vid_2:frame:0']);
      expect(await index.nearestFrames({ accountId: 'acc_1' }, 'never-written@1', direction(0), 5)).toEqual([]);

      await index.replaceVideo('acc_1', 'vid_1', [frame(0, wide(1), {}, 'other@2'), spoken(0, 'kept words')]);

      expect(await index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(0), 5)).toEqual([]);
      expect(ids(await index.nearestFrames({ accountId: 'acc_1' }, 'other@2', wide(1), 5))).toEqual(['vid_1:frame:0', 'vid_2:frame:0']);
      expect(await index.countSegments('acc_1', 'vid_1')).toBe(2);
      expect((await index.videoSegments('acc_1', 'vid_1', ['frame'])).map((row) => row.embedder)).toEqual(['other@2']);
    });

    it('answers the same through a vector index built by optimize()', async () => {
      const index = openIndex({ vectorIndex: { minRows: 500, kind: 'ivf_hnsw_sq' } });
      const rows = Array.from({ length: 600 }, (_, position) => frame(position, direction(position % DIMENSION, position / 600)));
      await index.replaceVideo('acc_1', 'vid_1', rows);
      const before = await index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(2, 0.3), 5);

      const reports = await index.optimize();
      const after = await index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(2, 0.3), 5);

      expect(reports.find((report) => report.table.startsWith('frames_'))).toMatchObject({ rows: 600, vectorIndex: 'created' });
      expect(ids(after)).toEqual(ids(before));
      expect(after.map((hit) => hit.raw_score)).toEqual(before.map((hit) => expect.closeTo(hit.raw_score, 3)));
      expect((await index.optimize()).find((report) => report.table.startsWith('frames_'))?.vectorIndex).toBe('kept');
      expect(await index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(2, 0.3), 80)).toHaveLength(80);
    });
  });

  describe('filter indexes', () => {
    async function indexKinds(directory: string): Promise<Record<string, Record<string, string>>> {
      const connection = await connect(directory);
      const kinds: Record<string, Record<string, string>> = {};
      for (const name of await connection.tableNames()) {
        const table = await connection.openTable(name);
        kinds[name.startsWith('frames_') ? 'frames' : name] = Object.fromEntries((await table.listIndices()).map((index) => [index.name, index.indexType]));
      }
      return kinds;
    }

    it('keeps account and collection filters in bitmap indexes and video ids in a B-tree, on every table', async () => {
      const directory = temporaryDirectory('frameseek-lance-kinds-');
      const index = LanceSearchIndex.open(directory);

      await index.replaceVideo('acc_1', 'vid_1', [frame(0, direction(0)), spoken(0, 'hello there')]);

      const kinds = await indexKinds(directory);
      for (const table of ['frames', 'segments_text']) {
        expect(kinds[table]).toMatchObject({ account_id_idx: 'Bitmap', collection_id_idx: 'Bitmap', video_id_idx: 'BTree' });
      }
      expect(kinds.segments_text).toMatchObject({ text_idx: 'FTS', words_idx: 'FTS', grams_idx: 'FTS' });
    });

    it('replaces the B-tree filters of an index written by an earlier release at its next write, and still answers inside the account', async () => {
      const earlier = temporaryDirectory('frameseek-lance-earlier-');
      await LanceSearchIndex.open(earlier).replaceVideo('acc_1', 'vid_1', [frame(0, direction(0)), spoken(0, 'first account')]);
      await LanceSearchIndex.open(earlier).replaceVideo('acc_2', 'vid_2', [frame(0, direction(0), { account: 'acc_2', video: 'vid_2' })]);
      // A copy is opened by a store of its own, as a new process (a new release) would open it.
      const upgraded = temporaryDirectory('frameseek-lance-upgraded-');
      cpSync(earlier, upgraded, { recursive: true });
      const connection = await connect(upgraded);
      for (const name of await connection.tableNames()) {
        const table = await connection.openTable(name);
        for (const column of ['account_id', 'collection_id']) await table.createIndex(column, { config: Index.btree(), name: `${column}_idx`, replace: true });
      }
      expect((await indexKinds(upgraded)).frames).toMatchObject({ account_id_idx: 'BTree', collection_id_idx: 'BTree' });
      const index = LanceSearchIndex.open(upgraded);

      await index.replaceVideo('acc_1', 'vid_3', [frame(0, direction(0, 0.1), { video: 'vid_3' }), spoken(0, 'third video', { video: 'vid_3' })]);

      const kinds = await indexKinds(upgraded);
      for (const table of ['frames', 'segments_text']) expect(kinds[table]).toMatchObject({ account_id_idx: 'Bitmap', collection_id_idx: 'Bitmap' });
      expect(ids(await index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(0), 5))).toEqual(['vid_1:frame:0', 'vid_3:frame:0']);
      expect(ids(await index.nearestFrames({ accountId: 'acc_2' }, EMBEDDER, direction(0), 5))).toEqual(['vid_2:frame:0']);
    });
  });

  describe('matchText', () => {
    const library = [
      spoken(0, 'the quick brown fox jumps over the lazy dog'),
      spoken(5, 'an elephant walks into the room'),
      spoken(10, 'a fox, a fox, another fox'),
      spoken(15, 'the transcription service is running'),
      spoken(20, 'brown paper bags', {}, 'ocr'),
      spoken(25, 'quick thinking saves the day'),
    ];

    it('ranks by BM25: more and rarer matching words score higher', async () => {
      const index = openIndex();
      await index.replaceVideo('acc_1', 'vid_1', library);

      const fox = await index.matchText({ accountId: 'acc_1' }, ['transcript', 'ocr'], 'fox', 10);
      const phrase = await index.matchText({ accountId: 'acc_1' }, ['transcript', 'ocr'], 'quick brown fox', 10);

      expect(ids(fox)).toEqual(['vid_1:transcript:10', 'vid_1:transcript:0']);
      expect(ids(phrase)[0]).toBe('vid_1:transcript:0');
      expect(ids(phrase).sort()).toEqual(['vid_1:ocr:20', 'vid_1:transcript:0', 'vid_1:transcript:10', 'vid_1:transcript:25']);
      const scores = phrase.map((hit) => hit.raw_score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(scores.every((score) => score > 0)).toBe(true);
    });

    it('tolerates typos, unfinished words and partial words', async () => {
      const index = openIndex();
      await index.replaceVideo('acc_1', 'vid_1', library);
      const search = async (query: string) => ids(await index.matchText({ accountId: 'acc_1' }, ['transcript', 'ocr'], query, 3));

      expect((await search('quikc brown fox'))[0]).toBe('vid_1:transcript:0');
      expect(await search('elephan')).toEqual(['vid_1:transcript:5']);
      expect(await search('elehpant')).toEqual(['vid_1:transcript:5']);
      expect(await search('runnign')).toEqual(['vid_1:transcript:15']);
      expect(await search('transcr')).toEqual(['vid_1:transcript:15']);
      expect(await search('QUICK Brown')).toContain('vid_1:transcript:0');
      expect(await search('zebra')).toEqual([]);
      expect(await search('  ?! ')).toEqual([]);
    });

    it('looks near spellings up only for the words not found as typed', async () => {
      // Arrange
      const index = openIndex();
      await index.replaceVideo('acc_1', 'vid_1', [
        spoken(0, 'grandmother tells us stories by the fire'),
        spoken(5, 'a heavy storm rolls in'),
        spoken(10, 'a brave hippopotamus swimming'),
      ]);
      const search = async (query: string) => ids(await index.matchText({ accountId: 'acc_1' }, ['transcript'], query, 5)).sort();

      // Act
      const said = await search('story');
      const typo = await search('sotrm');
      const both = await search('story brvae');

      // Assert: 'storm' is one typo from 'story', which was said (as 'stories'), so it is not looked up
      expect(said).toEqual(['vid_1:transcript:0']);
      expect(typo).toEqual(['vid_1:transcript:5']);
      expect(both).toEqual(['vid_1:transcript:0', 'vid_1:transcript:10']);
    });

    it('restricts to the types asked for', async () => {
      const index = openIndex();
      await index.replaceVideo('acc_1', 'vid_1', library);

      expect(ids(await index.matchText({ accountId: 'acc_1' }, ['ocr'], 'brown', 10))).toEqual(['vid_1:ocr:20']);
      expect(ids(await index.matchText({ accountId: 'acc_1' }, ['transcript'], 'brown', 10))).toEqual(['vid_1:transcript:0']);
      expect(await index.matchText({ accountId: 'acc_1' }, [], 'brown', 10)).toEqual([]);
    });

    it('without optimising after writes, finds new rows by exact and partial words at once, typos after optimize()', async () => {
      const index = openIndex({ optimizeTextAfterWrite: false });
      await index.replaceVideo('acc_1', 'vid_1', library);
      await index.replaceVideo('acc_1', 'vid_2', [spoken(0, 'a brave hippopotamus swimming', { video: 'vid_2' })]);
      const search = async (query: string) => ids(await index.matchText({ accountId: 'acc_1' }, ['transcript'], query, 5));

      expect(await search('hippopotamus')).toEqual(['vid_2:transcript:0']);
      expect(await search('hippopot')).toEqual(['vid_2:transcript:0']);
      expect(await search('zebra')).toEqual([]);
      await index.optimize();
      expect(await search('hipopotamus')).toEqual(['vid_2:transcript:0']);
      expect(await search('brvae')).toEqual(['vid_2:transcript:0']);
    });

    it('finds rows right after they were written, typos included', async () => {
      const index = openIndex();
      await index.replaceVideo('acc_1', 'vid_1', library);

      await index.replaceVideo('acc_1', 'vid_2', [spoken(0, 'a hippopotamus swimming', { video: 'vid_2' })]);

      expect(ids(await index.matchText({ accountId: 'acc_1' }, ['transcript'], 'hippopotamus', 5))).toEqual(['vid_2:transcript:0']);
      expect(ids(await index.matchText({ accountId: 'acc_1' }, ['transcript'], 'hipopotamus', 5))).toEqual(['vid_2:transcript:0']);
    });

    it('fills the limit for a small account among many matching rows of others (filter before ranking)', async () => {
      const index = openIndex();
      const crowd = Array.from({ length: 2000 }, (_, start) => spoken(start, 'common words said again and again', { account: 'acc_big', video: 'vid_big' }));
      await index.replaceVideo('acc_big', 'vid_big', crowd);
      await index.replaceVideo(
        'acc_small',
        'vid_small',
        [0, 1, 2].map((start) => spoken(start, 'a common sight', { account: 'acc_small', video: 'vid_small' })),
      );

      const hits = await index.matchText({ accountId: 'acc_small' }, ['transcript'], 'common', 3);
      const typo = await index.matchText({ accountId: 'acc_small' }, ['transcript'], 'comon', 3);

      expect(ids(hits).sort()).toEqual(['vid_small:transcript:0', 'vid_small:transcript:1', 'vid_small:transcript:2']);
      expect(typo).toHaveLength(3);
    });

    it('never returns another account, and filters by collection and video', async () => {
      const index = openIndex();
      await index.replaceVideo('acc_1', 'vid_1', [spoken(0, 'shared secret words')]);
      await index.replaceVideo('acc_1', 'vid_2', [spoken(0, 'shared secret words', { video: 'vid_2', collection: 'col_2' })]);
      await index.replaceVideo('acc_2', 'vid_3', [spoken(0, 'shared secret words', { account: 'acc_2', video: 'vid_3' })]);
      const search = async (scope: Parameters<LanceSearchIndex['matchText']>[0], query = 'secret') =>
        ids(await index.matchText(scope, ['transcript'], query, 10)).sort();

      expect(await search({ accountId: 'acc_1' })).toEqual(['vid_1:transcript:0', 'vid_2:transcript:0']);
      expect(await search({ accountId: 'acc_2' })).toEqual(['vid_3:transcript:0']);
      expect(await search({ accountId: 'acc_2' }, 'secrte')).toEqual(['vid_3:transcript:0']);
      expect(await search({ accountId: 'acc_2' }, 'secr')).toEqual(['vid_3:transcript:0']);
      expect(await search({ accountId: 'acc_1', collectionId: 'col_2' })).toEqual(['vid_2:transcript:0']);
      expect(await search({ accountId: 'acc_1', videoId: 'vid_1' })).toEqual(['vid_1:transcript:0']);
      expect(await search({ accountId: "x' OR '1'='1" })).toEqual([]);
      expect(await search({ accountId: 'acc_3' })).toEqual([]);
    });
  });

  describe('textRows', () => {
    it("hands over one account's transcript and OCR rows, without word times, frames or other accounts", async () => {
      const index = openIndex();
      await index.replaceVideo('acc_1', 'vid_1', [frame(0, direction(0)), spoken(0, 'said here'), spoken(5, 'shown here', {}, 'ocr')]);
      await index.replaceVideo('acc_2', 'vid_2', [spoken(0, 'said elsewhere', { account: 'acc_2', video: 'vid_2' })]);

      const rows = await index.textRows('acc_1');

      expect(rows.map((row) => row.id).sort()).toEqual(['vid_1:ocr:5', 'vid_1:transcript:0']);
      expect(rows.find((row) => row.type === 'transcript')).toEqual({
        id: 'vid_1:transcript:0',
        account_id: 'acc_1',
        collection_id: 'col_1',
        video_id: 'vid_1',
        type: 'transcript',
        start_secs: 0,
        end_secs: 5,
        text: 'said here',
        thumbnail_key: '',
      });
      expect(await index.textRows('acc_3')).toEqual([]);
    });
  });

  describe('deletes', () => {
    it('deleteVideo removes one video from every table', async () => {
      const index = openIndex();
      await index.replaceVideo('acc_1', 'vid_1', [frame(0, direction(0)), spoken(0, 'gone soon')]);
      await index.replaceVideo('acc_1', 'vid_2', [frame(0, direction(0), { video: 'vid_2' }), spoken(0, 'gone soon', { video: 'vid_2' })]);

      await index.deleteVideo('acc_1', 'vid_1');

      expect(await index.countSegments('acc_1', 'vid_1')).toBe(0);
      expect(await index.countSegments('acc_1', 'vid_2')).toBe(2);
      expect(ids(await index.matchText({ accountId: 'acc_1' }, ['transcript'], 'gone', 10))).toEqual(['vid_2:transcript:0']);
    });

    it('deleteAccount removes every row of one account, and only those', async () => {
      const index = openIndex();
      await index.replaceVideo('acc_1', 'vid_1', [frame(0, direction(0)), spoken(0, 'mine')]);
      await index.replaceVideo('acc_1', 'vid_2', [frame(0, direction(0, 0, 16), { video: 'vid_2' }, 'other@2')]);
      await index.replaceVideo('acc_2', 'vid_3', [
        frame(0, direction(0), { account: 'acc_2', video: 'vid_3' }),
        spoken(0, 'mine', { account: 'acc_2', video: 'vid_3' }),
      ]);

      await index.deleteAccount('acc_1');
      await index.deleteAccount('acc_never');

      expect(await index.countSegments('acc_1', 'vid_1')).toBe(0);
      expect(await index.countSegments('acc_1', 'vid_2')).toBe(0);
      expect(await index.countSegments('acc_2', 'vid_3')).toBe(2);
      expect(await index.nearestFrames({ accountId: 'acc_1' }, 'other@2', direction(0, 0, 16), 5)).toEqual([]);
    });
  });

  describe('when the index cannot answer', () => {
    it('answers IndexUnavailableError to every query while the fault switch is on', async () => {
      const index = openIndex();
      await index.replaceVideo('acc_1', 'vid_1', [frame(0, direction(0)), spoken(0, 'words')]);
      armFault('search_index_unavailable');

      await expect(index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(0), 5)).rejects.toBeInstanceOf(IndexUnavailableError);
      await expect(index.matchText({ accountId: 'acc_1' }, ['transcript'], 'words', 5)).rejects.toBeInstanceOf(IndexUnavailableError);
      await expect(index.videoSegments('acc_1', 'vid_1', ['frame'])).rejects.toBeInstanceOf(IndexUnavailableError);
      await expect(index.countSegments('acc_1', 'vid_1')).rejects.toBeInstanceOf(IndexUnavailableError);
      disarmFault('search_index_unavailable');
      expect(await index.countSegments('acc_1', 'vid_1')).toBe(2);
    });

    it('answers IndexUnavailableError when storage cannot be reached, within the timeout', async () => {
      const index = LanceSearchIndex.open('s3://nowhere/index', {
        timeoutMs: 300,
        storageOptions: {
          aws_endpoint: `http://127.0.0.1:${await freePort()}`,
          aws_region: 'us-east-1',
          aws_access_key_id: 'x',
          aws_secret_access_key: 'y',
          allow_http: 'true',
        },
      });
      const started = performance.now();

      await expect(index.matchText({ accountId: 'acc_1' }, ['transcript'], 'words', 5)).rejects.toBeInstanceOf(IndexUnavailableError);
      expect(performance.now() - started).toBeLessThan(1500);
    });
  });

  it('warms an empty index and a filled one (every table opened, one query each) without failing, and answers after', async () => {
    const empty = openIndex();
    const filled = openIndex();
    await filled.replaceVideo('acc_1', 'vid_1', [frame(0, direction(0)), spoken(0, 'warm words')]);

    await expect(empty.warm()).resolves.toBeUndefined();
    await expect(filled.warm()).resolves.toBeUndefined();

    expect((await filled.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(0), 1)).map((hit) => hit.row.id)).toEqual(['vid_1:frame:0']);
  });

  it('shares one view of the data between opens of the same directory', async () => {
    const directory = temporaryDirectory('frameseek-lance-');
    const writer = LanceSearchIndex.open(directory);
    const reader = LanceSearchIndex.open(directory);

    await writer.replaceVideo('acc_1', 'vid_1', [spoken(0, 'visible at once')]);

    expect(ids(await reader.matchText({ accountId: 'acc_1' }, ['transcript'], 'visible', 5))).toEqual(['vid_1:transcript:0']);
  });

  it('works on an S3-compatible store (s3rver) through LanceDB storage options', async () => {
    const s3 = await startS3Local({ port: await freePort(), directory: temporaryDirectory('frameseek-s3-'), bucket: 'index-bucket' });
    try {
      const index = LanceSearchIndex.open('s3://index-bucket/search', { storageOptions: s3rverStorage(s3.endpoint) });

      await index.replaceVideo('acc_1', 'vid_1', [frame(0, direction(0)), frame(2, direction(1)), spoken(0, 'stored in a bucket')]);
      await index.replaceVideo('acc_1', 'vid_1', [frame(2, direction(1)), spoken(0, 'stored in a bucket')]);

      expect(ids(await index.nearestFrames({ accountId: 'acc_1' }, EMBEDDER, direction(1), 5))).toEqual(['vid_1:frame:2']);
      expect(ids(await index.matchText({ accountId: 'acc_1' }, ['transcript'], 'bukcet', 5))).toEqual(['vid_1:transcript:0']);
      await index.deleteAccount('acc_1');
      expect(await index.countSegments('acc_1', 'vid_1')).toBe(0);
    } finally {
      await s3.stop();
    }
  });

  it('abandons a storage request that never answers and retries it, so the write still lands', async () => {
    const s3 = await startS3Local({ port: await freePort(), directory: temporaryDirectory('frameseek-s3-'), bucket: 'index-bucket' });
    const proxy = await startStallingProxy(s3.endpoint, (request) => request.method === 'PUT');
    try {
      const index = LanceSearchIndex.open('s3://index-bucket/stalled', { storageOptions: s3rverStorage(proxy.endpoint) });

      await index.replaceVideo('acc_1', 'vid_1', [frame(0, direction(0)), spoken(0, 'stored after a stall')]);

      expect(proxy.stalled).toHaveLength(1);
      expect(proxy.seen.filter((line) => line === proxy.stalled[0])).toHaveLength(2);
      expect(await index.countSegments('acc_1', 'vid_1')).toBe(2);
    } finally {
      await proxy.stop();
      await s3.stop();
    }
  });
});

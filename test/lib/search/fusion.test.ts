import { describe, expect, it } from 'vitest';
import { clickBoost, MAX_CLICK_BOOST } from '#lib/search/clicks';
import { fuse, type FusedResult, type FuseOptions, type RankedList, type SearchMode } from '#lib/search/fusion';
import type { QuerySource } from '#lib/search/calibration';
import type { SegmentHit, SegmentType } from '#lib/search/types';

// Calibration used below (calibration.ts):
//   frame-descriptor/image  lo 0.30 hi 0.90: 0.9 → 1, 0.75 → 0.75, 0.6 → 0.5 (the floor), 0.59 → 0.4833
//   clip/image              lo 0.50 hi 0.95: 0.95 → 1, 0.8 → 0.6667
//   clip/text               lo 0.15 hi 0.35: 0.35 → 1, 0.27 → 0.6, 0.26 → 0.55
//   bm25 b → b / (b + 5):   1 → 0.1667, 3 → 0.375, 5 → 0.5, 15 → 0.75, 20 → 0.8
const DESCRIPTOR = 'frame-descriptor@1';
const CLIP = 'clip-onnx:tiny@0123456789ab';

function row(video: string, type: SegmentType, start: number, end: number, text = ''): SegmentHit['row'] {
  return {
    id: `${video}:${type}:${start}`,
    account_id: 'acc_1',
    collection_id: 'col_1',
    video_id: video,
    type,
    start_secs: start,
    end_secs: end,
    text,
    words_json: '',
    thumbnail_key: `thumbs/${video}/${start}.jpg`,
    embedder: type === 'frame' ? DESCRIPTOR : '',
  };
}

/** A 2 s frame starting at `start`. */
function frame(video: string, start: number, cosine: number): SegmentHit {
  return { row: row(video, 'frame', start, start + 2), raw_score: cosine };
}

function said(video: string, start: number, end: number, text: string, bm25: number, type: 'transcript' | 'ocr' = 'transcript'): SegmentHit {
  return { row: row(video, type, start, end, text), raw_score: bm25 };
}

function list(mode: SearchMode, source: QuerySource, hits: SegmentHit[]): RankedList {
  return { mode, source, hits };
}

function options(overrides: Partial<FuseOptions> = {}): FuseOptions {
  return { embedder: DESCRIPTOR, hidden: new Set(), includeHidden: false, maxSegments: 5, page: 1, perPage: 10, ...overrides };
}

const videoIds = (result: FusedResult) => result.videos.map((video) => video.video_id);
/** [type, start, end, score, text, rank, hidden] per segment of each video. */
const moments = (result: FusedResult) =>
  result.videos.map((video) =>
    video.segments.map((segment) => [
      segment.type,
      segment.timestamp_start,
      segment.timestamp_end,
      segment.score,
      segment.text_content,
      segment.rank,
      segment.hidden,
    ]),
  );

describe('fuse: Reciprocal Rank Fusion', () => {
  it('sums weight / (60 + rank) over the lists; with an image, text lists weigh 0.5', () => {
    // Arrange: an image + text query on a CLIP-style embedder; every frame calibrates to 1, so only RRF orders.
    const lists = [
      list('video', 'image', [frame('vid_x', 0, 0.95), frame('vid_y', 0, 0.95), frame('vid_z', 0, 0.95)]),
      list('video', 'text', [frame('vid_z', 0, 0.35), frame('vid_y', 0, 0.35)]),
    ];
    // Y = 1/62 + 0.5/62 = 0.024194; Z = 1/63 + 0.5/61 = 0.024070; X = 1/61 = 0.016393.
    // (Unweighted, Z = 1/63 + 1/61 = 0.032266 would beat Y = 2/62 = 0.032258.)

    // Act
    const result = fuse(lists, options({ embedder: CLIP }));

    // Assert
    expect(videoIds(result)).toEqual(['vid_y', 'vid_z', 'vid_x']);
    expect(result.total).toBe(3);
    expect(result.videos[0]).toEqual({
      video_id: 'vid_y',
      collection_id: 'col_1',
      score: 1,
      segments: [
        {
          video_id: 'vid_y',
          collection_id: 'col_1',
          type: 'frame',
          timestamp_start: 0,
          timestamp_end: 2,
          score: 1,
          text_content: null,
          thumbnail_key: 'thumbs/vid_y/0.jpg',
          rank: 1,
          hidden: false,
        },
      ],
    });
  });

  it('lets the image lead: the same first places order differently with and without an image', () => {
    // Arrange: vid_a's frame is first in the visual list, vid_b's sentence first in the transcript list.
    const withImage = [list('video', 'image', [frame('vid_a', 0, 0.8)]), list('transcript', 'text', [said('vid_b', 0, 4, 'red car', 20)])];
    const textOnly = [list('video', 'text', [frame('vid_a', 0, 0.27)]), list('transcript', 'text', [said('vid_b', 0, 4, 'red car', 20)])];

    // Act
    const led = fuse(withImage, options({ embedder: CLIP }));
    const even = fuse(textOnly, options({ embedder: CLIP }));

    // Assert: with the image, vid_a 1/61 beats vid_b 0.5/61 although its score is lower (0.6667 < 0.8);
    // text only, both are 1/61 and the better score (vid_b 0.8 > vid_a 0.6) goes first.
    expect(led.videos.map((video) => [video.video_id, video.score])).toEqual([
      ['vid_a', 0.6667],
      ['vid_b', 0.8],
    ]);
    expect(even.videos.map((video) => [video.video_id, video.score])).toEqual([
      ['vid_b', 0.8],
      ['vid_a', 0.6],
    ]);
  });

  it('orders videos by their best RRF and, inside a video, segments by score', () => {
    // Arrange: a text query.
    const lists = [
      list('transcript', 'text', [said('vid_a', 0, 4, 'hello', 3)]),
      list('video', 'text', [frame('vid_c', 0, 0.26), frame('vid_b', 0, 0.35), frame('vid_a', 10, 0.35)]),
    ];
    // vid_a: sentence 1/61 (0.375), frame 1/63 (1) → RRF 1/61, score 1
    // vid_c: frame 1/61 (0.55) → RRF 1/61, score 0.55
    // vid_b: frame 1/62 (1)    → RRF 1/62, score 1

    // Act
    const result = fuse(lists, options({ embedder: CLIP }));

    // Assert: vid_b scores 1 but comes after vid_c (0.55): RRF decides; vid_a's frame precedes its sentence: score decides.
    expect(result.videos.map((video) => [video.video_id, video.score])).toEqual([
      ['vid_a', 1],
      ['vid_c', 0.55],
      ['vid_b', 1],
    ]);
    expect(moments(result)[0]).toEqual([
      ['frame', 10, 12, 1, null, 1, false],
      ['transcript', 0, 4, 0.375, 'hello', 2, false],
    ]);
  });
});

describe('fuse: matches', () => {
  it('drops frames under the visual floor and does not count videos left without a match', () => {
    // Arrange
    const lists = [list('video', 'image', [frame('vid_a', 0, 0.9), frame('vid_b', 0, 0.6), frame('vid_c', 0, 0.59), frame('vid_a', 10, 0.5)])];

    // Act
    const result = fuse(lists, options());

    // Assert: 0.6 → 0.5 is at the floor and counts; 0.59 → 0.4833 and 0.5 → 0.3333 do not.
    expect(result.total).toBe(2);
    expect(videoIds(result)).toEqual(['vid_a', 'vid_b']);
    expect(moments(result)).toEqual([[['frame', 0, 2, 1, null, 1, false]], [['frame', 0, 2, 0.5, null, 2, false]]]);
  });

  it('counts every text hit as a match, however weak', () => {
    // Arrange
    const lists = [list('transcript', 'text', [said('vid_a', 0, 4, 'a faint echo', 0.1)]), list('ocr', 'text', [said('vid_b', 3, 5, 'EXIT', 0.2, 'ocr')])];

    // Act
    const result = fuse(lists, options());

    // Assert: 0.1 / 5.1 = 0.0196; 0.2 / 5.2 = 0.0385 (tie on RRF 1/61 → the better score first)
    expect(result.total).toBe(2);
    expect(moments(result)).toEqual([[['ocr', 3, 5, 0.0385, 'EXIT', 1, false]], [['transcript', 0, 4, 0.0196, 'a faint echo', 2, false]]]);
  });

  it('answers nothing when nothing matches', () => {
    // Act / Assert
    expect(fuse([list('video', 'image', [frame('vid_a', 0, 0.2)])], options())).toEqual({ total: 0, videos: [] });
    expect(fuse([], options())).toEqual({ total: 0, videos: [] });
  });
});

describe('fuse: merging', () => {
  it('merges touching sentences of one video into one moment, not across a gap or another type', () => {
    // Arrange
    const lists = [
      list('transcript', 'text', [
        said('vid_a', 4.3, 8, 'general kenobi', 15),
        said('vid_a', 0, 4, 'hello there', 5),
        said('vid_a', 8.5, 10, 'hello there', 5), // starts 0.5 s after 8: touches
        said('vid_a', 11.1, 12, 'bye', 1), // 1.1 s gap: its own moment
      ]),
      list('ocr', 'text', [said('vid_a', 4, 6, 'EXIT', 5, 'ocr')]), // overlaps in time, but another type
    ];

    // Act
    const result = fuse(lists, options());

    // Assert: the merged moment keeps the best score (0.75), distinct texts in time order, the best part's thumbnail.
    expect(result.total).toBe(1);
    expect(moments(result)).toEqual([
      [
        ['transcript', 0, 10, 0.75, 'hello there general kenobi', 1, false],
        ['ocr', 4, 6, 0.5, 'EXIT', 2, false],
        ['transcript', 11.1, 12, 0.1667, 'bye', 3, false],
      ],
    ]);
    expect(result.videos[0].segments[0].thumbnail_key).toBe('thumbs/vid_a/4.3.jpg');
  });

  it('merges consecutive matching frames; text_content stays null', () => {
    // Arrange: frames 0–2 and 2–4 touch; 10–12 stands apart.
    const lists = [list('video', 'image', [frame('vid_a', 2, 0.9), frame('vid_a', 0, 0.75), frame('vid_a', 10, 0.9)])];

    // Act
    const result = fuse(lists, options());

    // Assert: both moments score 1; the merged one has RRF max(1/61, 1/62) = 1/61 > 1/63, so it leads.
    expect(moments(result)).toEqual([
      [
        ['frame', 0, 4, 1, null, 1, false],
        ['frame', 10, 12, 1, null, 2, false],
      ],
    ]);
    expect(result.videos[0].segments[0].thumbnail_key).toBe('thumbs/vid_a/2.jpg');
  });
});

describe('fuse: per video', () => {
  it('keeps the best maxSegments segments of each video and ranks across videos', () => {
    // Arrange: scores 0 → 0.1667, 10 → 0.75, 20 → 0.5, 30 → 0.375, vid_b → 0.5
    const lists = [
      list('transcript', 'text', [
        said('vid_a', 0, 4, 'w', 1),
        said('vid_a', 10, 14, 'x', 15),
        said('vid_a', 20, 24, 'y', 5),
        said('vid_a', 30, 34, 'z', 3),
        said('vid_b', 0, 4, 'v', 5),
      ]),
    ];

    // Act
    const result = fuse(lists, options({ maxSegments: 2 }));

    // Assert
    expect(moments(result)).toEqual([
      [
        ['transcript', 10, 14, 0.75, 'x', 1, false],
        ['transcript', 20, 24, 0.5, 'y', 2, false],
      ],
      [['transcript', 0, 4, 0.5, 'v', 3, false]],
    ]);
    expect(result.videos.map((video) => video.score)).toEqual([0.75, 0.5]);
  });
});

describe('fuse: hidden segments', () => {
  const lists = [list('transcript', 'text', [said('vid_a', 0, 4, 'one', 5), said('vid_b', 0, 4, 'two', 5), said('vid_a', 20, 24, 'three', 5)])];
  const hidden = new Set(['vid_a@20', 'vid_b@0']);

  it('leaves hidden segments out, and the videos they leave empty out of the total', () => {
    // Act
    const result = fuse(lists, options({ hidden }));

    // Assert
    expect(result.total).toBe(1);
    expect(moments(result)).toEqual([[['transcript', 0, 4, 0.5, 'one', 1, false]]]);
  });

  it('keeps them, flagged, with includeHidden', () => {
    // Act
    const result = fuse(lists, options({ hidden, includeHidden: true }));

    // Assert
    expect(result.total).toBe(2);
    expect(moments(result)).toEqual([
      [
        ['transcript', 0, 4, 0.5, 'one', 1, false],
        ['transcript', 20, 24, 0.5, 'three', 2, true],
      ],
      [['transcript', 0, 4, 0.5, 'two', 3, true]],
    ]);
  });

  it('hides a merged moment by the start it was answered with', () => {
    // Arrange
    const touching = [list('transcript', 'text', [said('vid_a', 0, 4, 'one', 5), said('vid_a', 4, 8, 'two', 5)])];

    // Act
    const byStart = fuse(touching, options({ hidden: new Set(['vid_a@0']) }));
    const byInnerPart = fuse(touching, options({ hidden: new Set(['vid_a@4']) }));

    // Assert
    expect(byStart).toEqual({ total: 0, videos: [] });
    expect(moments(byInnerPart)).toEqual([[['transcript', 0, 8, 0.5, 'one two', 1, false]]]);
  });
});

describe('fuse: pages', () => {
  const lists = [list('transcript', 'text', [said('vid_a', 0, 4, 'a', 5), said('vid_b', 0, 4, 'b', 5), said('vid_c', 0, 4, 'c', 5)])];

  it('cuts pages of videos; total and ranks do not depend on the page', () => {
    // Act
    const [first, second, third] = [1, 2, 3].map((page) => fuse(lists, options({ page, perPage: 2 })));

    // Assert
    expect([first.total, second.total, third.total]).toEqual([3, 3, 3]);
    expect(videoIds(first)).toEqual(['vid_a', 'vid_b']);
    expect(videoIds(second)).toEqual(['vid_c']);
    expect(second.videos[0].segments[0].rank).toBe(3);
    expect(third.videos).toEqual([]);
  });

  it('refuses a page, page size or segment cap under 1', () => {
    // Act / Assert
    expect(() => fuse(lists, options({ page: 0 }))).toThrow(RangeError);
    expect(() => fuse(lists, options({ perPage: 0 }))).toThrow(RangeError);
    expect(() => fuse(lists, options({ maxSegments: 1.5 }))).toThrow(RangeError);
  });
});

describe('fuse: determinism', () => {
  it('answers equal inputs equally, whatever the order of the lists, breaking full ties by video id', () => {
    // Arrange: vid_b and vid_a tie on RRF (1/61) and score (0.5).
    const transcript = list('transcript', 'text', [said('vid_b', 0, 4, 'b', 5), said('vid_c', 9, 12, 'c', 20)]);
    const ocr = list('ocr', 'text', [said('vid_a', 2, 3, 'A', 5, 'ocr'), said('vid_c', 10, 11, 'C', 5, 'ocr')]);

    // Act
    const runs = [fuse([transcript, ocr], options()), fuse([transcript, ocr], options()), fuse([ocr, transcript], options())];

    // Assert
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    expect(videoIds(runs[0])).toEqual(['vid_a', 'vid_b', 'vid_c']);
  });
});

describe('click boosts (lib/search/clicks.ts)', () => {
  // Ten videos, one transcript match each, ranked v00 … v09 by BM25.
  const ranked = [
    list(
      'transcript',
      'text',
      Array.from({ length: 10 }, (_, index) => said(`v0${index}`, 0, 5, 'harbour', 20 - index)),
    ),
  ];

  it('moves a clicked video up only past videos whose fused RRF is within the bound of its own', () => {
    const many = new Map([['v03', clickBoost(1_000)]]);

    const order = videoIds(fuse(ranked, options({ boosts: many })));

    // RRF 1/64 × (1 + MAX_CLICK_BOOST) passes 1/63, 1/62 and 1/61 when the bound is over 64/61 − 1 ≈ 0.049, never more than the bound allows.
    const passes = ['v00', 'v01', 'v02'].filter((video) => (1 / 64) * clickBoost(1_000) > 1 / (61 + Number(video.slice(1))));
    expect(order.indexOf('v03')).toBe(3 - passes.length);
    expect(order.slice(4)).toEqual(['v04', 'v05', 'v06', 'v07', 'v08', 'v09']);
  });

  it('cannot lift the last video to the top, however many clicks', () => {
    const order = videoIds(fuse(ranked, options({ boosts: new Map([['v09', clickBoost(1e9)]]) })));

    expect(order[0]).toBe('v00');
    expect(order.indexOf('v09')).toBeGreaterThan(4);
  });

  it('is 1 without clicks, grows with them, and stays under 1 + MAX_CLICK_BOOST', () => {
    const boosts = [0, 1, 2, 5, 50, 1e9].map((clicks) => clickBoost(clicks));

    expect(boosts[0]).toBe(1);
    expect(boosts.every((boost, index) => index === 0 || boost > (boosts[index - 1] ?? 0) || boost === 1 + MAX_CLICK_BOOST)).toBe(true);
    expect(Math.max(...boosts)).toBeLessThanOrEqual(1 + MAX_CLICK_BOOST);
  });

  it('leaves segment scores and ranks within a video alone: only the order of videos changes', () => {
    const plain = fuse(ranked, options());
    const boosted = fuse(ranked, options({ boosts: new Map([['v01', clickBoost(10)]]) }));

    expect(boosted.videos.find((video) => video.video_id === 'v01')?.score).toBe(plain.videos.find((video) => video.video_id === 'v01')?.score);
    expect(videoIds(boosted).slice(0, 2)).toEqual(['v01', 'v00']);
  });
});

import type { SegmentRow, TextSegmentRow } from '#lib/search/types';

/** Where a test row lives; each part defaults to the first account, collection and video. */
export interface Place {
  account?: string;
  collection?: string;
  video?: string;
}

export const TEST_EMBEDDER = 'test-embedder@1';

/** A two-second frame row of `embedder` at `start` seconds. */
export function frame(start: number, vector: Float32Array, place: Place = {}, embedder = TEST_EMBEDDER): SegmentRow {
  const video = place.video ?? 'vid_1';
  return {
    id: `${video}:frame:${start}`,
    account_id: place.account ?? 'acc_1',
    collection_id: place.collection ?? 'col_1',
    video_id: video,
    type: 'frame',
    start_secs: start,
    end_secs: start + 2,
    text: '',
    words_json: '',
    thumbnail_key: `thumbs/${video}/${start}.jpg`,
    vector,
    embedder,
  };
}

/** A five-second transcript (with word times, 0.3 s apart) or on-screen text row at `start` seconds. */
export function spoken(start: number, text: string, place: Place = {}, type: TextSegmentRow['type'] = 'transcript'): SegmentRow {
  const video = place.video ?? 'vid_1';
  return {
    id: `${video}:${type}:${start}`,
    account_id: place.account ?? 'acc_1',
    collection_id: place.collection ?? 'col_1',
    video_id: video,
    type,
    start_secs: start,
    end_secs: start + 5,
    text,
    words_json:
      type === 'transcript'
        ? JSON.stringify(text.split(' ').map((word, index) => ({ word, start: start + index * 0.3, end: start + index * 0.3 + 0.25 })))
        : '',
    thumbnail_key: '',
    vector: null,
    embedder: '',
  };
}

/** The same row as `textRows` reads it back: no vector, words or embedder. */
export function textRow(start: number, text: string, place: Place = {}, type: TextSegmentRow['type'] = 'transcript'): TextSegmentRow {
  const { vector: _vector, words_json: _words, embedder: _embedder, ...row } = spoken(start, text, place, type);
  return { ...row, type };
}

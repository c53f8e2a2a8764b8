import { describe, expect, it } from 'vitest';
import { segmentRows, type StagedFrame, type VideoIdentity } from '#lib/indexing/segments';

const VIDEO: VideoIdentity = { account_id: 'acc_1', collection_id: 'col_1', video_id: 'vid_1', duration_secs: 10, embedder: 'test' };

function framesShowing(texts: readonly string[]): StagedFrame[] {
  return texts.map((text, index) => ({ time: index, thumbnail_key: `thumb/${index}.jpg`, vector_b64: '', text }));
}

function ocrTexts(frames: StagedFrame[]): { text: string; start: number; end: number }[] {
  return segmentRows(VIDEO, [{ chunk_index: 0, start_secs: 0, end_secs: 10, frames, words: [] }])
    .filter((row) => row.type === 'ocr')
    .map((row) => ({ text: row.text, start: row.start_secs, end: row.end_secs }));
}

describe('on-screen text rows', () => {
  it('gives a caption one row from its first sighting to its last, worded as its likeliest reading', () => {
    // Arrange: read at 1 s ("CAN DLE"), carried unread to 2 s, read again at 3 s whole; another caption from 5 s
    const frames = framesShowing(['', 'PURPLE CAN DLE SHOP', 'PURPLE CAN DLE SHOP', 'PURPLE CANDLE SHOP', '', 'RED BRICK TOWER']);

    // Act
    const rows = ocrTexts(frames);

    // Assert: the carried copy is no second vote; on a tie the reading with fewer words wins
    expect(rows).toEqual([
      { text: 'PURPLE CANDLE SHOP', start: 1, end: 4 },
      { text: 'RED BRICK TOWER', start: 5, end: 7 }, // the last frame counts for 2 s at most
    ]);
  });

  it('keeps the reading that separate reads agree on', () => {
    // Arrange
    const frames = framesShowing(['GREEN ISLAND MAP', 'GREEN ISLAND MAR', 'GREEN ISLAND MAP']);

    // Act
    const rows = ocrTexts(frames);

    // Assert
    expect(rows.map((row) => row.text)).toEqual(['GREEN ISLAND MAP']);
  });
});

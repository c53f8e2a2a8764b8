import { describe, expect, it } from 'vitest';
import { BM25_HALF_SCORE, calibrateText, calibrateVisual, embedderFamily, VISUAL_MATCH_FLOOR, visualBounds, type QuerySource } from '#lib/search/calibration';

const DESCRIPTOR = 'frame-descriptor@1';
const CLIP = 'clip-onnx:vit-b32@0123456789ab';
const BEDROCK = 'bedrock:amazon.titan-embed-image-v1@1024';

/** -1, -0.99, …, 1 */
const COSINES = Array.from({ length: 201 }, (_, index) => -1 + index / 100);

describe('embedderFamily', () => {
  it('reads the family from each embedder id shape', () => {
    // Act / Assert
    expect([DESCRIPTOR, CLIP, BEDROCK, 'plain'].map(embedderFamily)).toEqual(['frame-descriptor', 'clip-onnx', 'bedrock', 'plain']);
  });
});

describe('visualBounds', () => {
  it('is keyed by embedder family and query source', () => {
    // Act / Assert
    expect(visualBounds(DESCRIPTOR, 'image')).toEqual({ lo: 0.3, hi: 0.9 });
    expect(visualBounds(CLIP, 'text')).toEqual({ lo: 0.15, hi: 0.35 });
    expect(visualBounds(CLIP, 'image')).toEqual({ lo: 0.5, hi: 0.95 });
    expect(visualBounds(BEDROCK, 'text')).toEqual({ lo: 0.1, hi: 0.4 });
    expect(visualBounds(BEDROCK, 'image')).toEqual({ lo: 0.5, hi: 0.95 });
  });

  it('gives an unknown family the CLIP-style bounds', () => {
    // Act / Assert
    expect(visualBounds('someone-else@3', 'text')).toEqual(visualBounds(CLIP, 'text'));
    expect(visualBounds('someone-else@3', 'image')).toEqual(visualBounds(CLIP, 'image'));
  });
});

describe('calibrateVisual', () => {
  it('maps lo to 0, hi to 1 and the midpoint to the match floor', () => {
    // Act / Assert: frame-descriptor/image, lo 0.3 hi 0.9, midpoint 0.6
    expect(calibrateVisual(0.3, DESCRIPTOR, 'image')).toBe(0);
    expect(calibrateVisual(0.9, DESCRIPTOR, 'image')).toBe(1);
    expect(calibrateVisual(0.6, DESCRIPTOR, 'image')).toBeCloseTo(VISUAL_MATCH_FLOOR, 12);
    // (0.75 − 0.3) / 0.6 = 0.75
    expect(calibrateVisual(0.75, DESCRIPTOR, 'image')).toBeCloseTo(0.75, 12);
    // CLIP text lo 0.15 hi 0.35: 0.25 is the midpoint; image lo 0.5 hi 0.95: 0.725
    expect(calibrateVisual(0.25, CLIP, 'text')).toBeCloseTo(0.5, 12);
    expect(calibrateVisual(0.725, CLIP, 'image')).toBeCloseTo(0.5, 12);
  });

  it('clamps below lo to 0 and above hi to 1', () => {
    // Act / Assert
    expect([-1, 0, 0.29].map((cosine) => calibrateVisual(cosine, DESCRIPTOR, 'image'))).toEqual([0, 0, 0]);
    expect([0.91, 0.99, 1].map((cosine) => calibrateVisual(cosine, DESCRIPTOR, 'image'))).toEqual([1, 1, 1]);
    expect([0.1, 0.5].map((cosine) => calibrateVisual(cosine, CLIP, 'text'))).toEqual([0, 1]);
  });

  it('never decreases as the cosine grows, for every family and source', () => {
    for (const embedder of [DESCRIPTOR, CLIP, BEDROCK, 'unknown@1']) {
      for (const source of ['image', 'text'] as QuerySource[]) {
        // Act
        const scores = COSINES.map((cosine) => calibrateVisual(cosine, embedder, source));

        // Assert
        expect(scores.every((score, index) => index === 0 || score >= scores[index - 1])).toBe(true);
        expect(scores.every((score) => score >= 0 && score <= 1)).toBe(true);
        expect([scores[0], scores[scores.length - 1]]).toEqual([0, 1]);
      }
    }
  });
});

describe('calibrateText', () => {
  it('is bm25 / (bm25 + 5): 0 → 0, 5 → 0.5, 15 → 0.75', () => {
    // Act / Assert
    expect(BM25_HALF_SCORE).toBe(5);
    expect(calibrateText(0)).toBe(0);
    expect(calibrateText(5)).toBe(0.5);
    expect(calibrateText(15)).toBe(0.75);
    expect(calibrateText(1)).toBeCloseTo(1 / 6, 12);
  });

  it('gives any match a score above 0, below 1, rising strictly with bm25', () => {
    // Arrange
    const bm25s = [0.01, 0.5, 1, 3, 5, 10, 50, 1000];

    // Act
    const scores = bm25s.map(calibrateText);

    // Assert
    expect(scores.every((score, index) => score > 0 && score < 1 && (index === 0 || score > scores[index - 1]))).toBe(true);
  });

  it('treats a negative bm25 (never expected) as no evidence', () => {
    // Act / Assert
    expect(calibrateText(-2)).toBe(0);
  });
});

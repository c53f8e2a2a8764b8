/**
 * Calibration: raw retrieval scores → relevance in [0, 1], the `score` a search answers with.
 *
 * Raw scores are not comparable across engines: a frame hit carries a cosine similarity whose
 * useful range depends on the embedder and on what the query was (a picture or a sentence), and
 * a transcript/OCR hit carries a BM25 score, unbounded and growing with the query's length.
 *
 * Frames (cosine c): a linear ramp between per-family bounds, clamped,
 *     score = clamp((c − lo) / (hi − lo), 0, 1)
 * `lo` is about where unrelated pictures sit, `hi` where a near-copy starts. A frame counts as a
 * match when its score ≥ VISUAL_MATCH_FLOOR (0.5), i.e. at the cosine midway between the bounds.
 * - frame-descriptor, image query: lo 0.30, hi 0.90 → the floor is cosine 0.60. Measured on the
 *   37 ffmpeg stills of test/lib/ml/embedders/frame-descriptor.test.ts queried by an 80 % crop,
 *   a JPEG q60 and a WebP re-encoding (111 true pairs, 3996 others): true pairs min 0.572,
 *   median 0.996, 99.1 % ≥ 0.60; others median 0.232, 1.2 % ≥ 0.60 (mostly near-twins: the same
 *   source a few seconds later, 75 % vs 100 % colour bars), max 0.901.
 * - CLIP-style dual encoders (clip-onnx), text query: text→image cosines are low and narrow —
 *   published CLIP ViT-B/32 figures put a matching caption near 0.30 and unrelated ones at
 *   0.10–0.20 — so lo 0.15, hi 0.35 (floor 0.25). Image query: image→image cosines of unrelated
 *   photos are already ~0.5, near-copies > 0.9, so lo 0.50, hi 0.95 (floor 0.725).
 * - bedrock (Titan multimodal): assumed CLIP-like, text a little wider (lo 0.10, hi 0.40).
 *   Neither CLIP nor Bedrock bounds were measured here (no weights or AWS on these machines).
 * - Any other family uses the CLIP-style bounds.
 *
 * Text (BM25 b):  score = b / (b + k), k = 5. Any match gets > 0 and the score never reaches 1;
 * a BM25 of k scores 0.5. Measured with LanceDB 0.31 on a small transcript corpus: a one-word
 * match scores 3–5 BM25 (→ 0.38–0.50), a two–three-word match 7–15 (→ 0.58–0.75). A text hit
 * always counts as a match: the engine matched its words.
 */

export type QuerySource = 'image' | 'text';

export interface VisualBounds {
  /** Cosine at and below which a frame scores 0. */
  lo: number;
  /** Cosine at and above which a frame scores 1. */
  hi: number;
}

/** A frame is a match when its calibrated score reaches this. */
export const VISUAL_MATCH_FLOOR = 0.5;

/** BM25 score that calibrates to 0.5. */
export const BM25_HALF_SCORE = 5;

const CLIP_STYLE: Record<QuerySource, VisualBounds> = { text: { lo: 0.15, hi: 0.35 }, image: { lo: 0.5, hi: 0.95 } };

const VISUAL_BOUNDS: Record<string, Record<QuerySource, VisualBounds>> = {
  // frame-descriptor cannot embed text; the text row is never used and only keeps the table total.
  'frame-descriptor': { image: { lo: 0.3, hi: 0.9 }, text: CLIP_STYLE.text },
  'clip-onnx': CLIP_STYLE,
  bedrock: { text: { lo: 0.1, hi: 0.4 }, image: CLIP_STYLE.image },
};

/** `frame-descriptor@1` → `frame-descriptor`; `clip-onnx:vit-b32@ab12…` → `clip-onnx`; `bedrock:amazon.titan…@1024` → `bedrock`. */
export function embedderFamily(embedderId: string): string {
  return embedderId.split(/[:@]/, 1)[0] ?? embedderId;
}

export function visualBounds(embedderId: string, source: QuerySource): VisualBounds {
  return (VISUAL_BOUNDS[embedderFamily(embedderId)] ?? CLIP_STYLE)[source];
}

export function calibrateVisual(cosine: number, embedderId: string, source: QuerySource): number {
  const { lo, hi } = visualBounds(embedderId, source);
  return clamp01((cosine - lo) / (hi - lo));
}

export function calibrateText(bm25: number): number {
  const positive = Math.max(0, bm25);
  return positive / (positive + BM25_HALF_SCORE);
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

import { pathToFileURL } from 'node:url';
import { layoutFrames } from '#lib/search/framemap';
import type { FrameWithVector, TextSegmentRow } from '#lib/search/types';
import { randomSource, wordList } from './support';
import { framemapOverHttp } from './search-http';

/**
 * GET /v1/framemap's computation (lib/search/framemap.ts layoutFrames: PCA, k-means with k chosen by
 * silhouette, tf-idf labels) timed over a synthetic library shaped like bench/search-http.ts's: a
 * frame every 2 s, 256-d vectors clustered around a few hundred scene centres (frames drifting a
 * little inside a scene), a transcript sentence every 5 s. The index read and the cache write are
 * not in it (the 100-hour library's index is built by `npm run bench -- --only search`, which
 * takes longer than this run should): this is the CPU part of the background computation. Then, with
 * `httpHours`, the whole path through HTTP over bench/search-http.ts's library: the first call, the
 * background computation in the runtime's index worker until a call answers it ready, and the
 * cached answer's latency (framemapOverHttp).
 */
const DIMENSION = 256;

function library(hours: number, seed: number): { frames: FrameWithVector[]; rows: TextSegmentRow[] } {
  const rng = randomSource(seed);
  const words = wordList(rng);
  const centres = Array.from({ length: 300 }, () => Float32Array.from({ length: DIMENSION }, () => rng.gaussian()));
  const frames: FrameWithVector[] = [];
  const rows: TextSegmentRow[] = [];
  const videoSecs = 30 * 60;
  const videos = Math.ceil((hours * 3600) / videoSecs);
  for (let video = 0; video < videos; video += 1) {
    const videoId = `vid_${String(video).padStart(26, '0')}`;
    const collectionId = `col_${String(video % 10).padStart(26, '0')}`;
    let centre = centres[0] ?? new Float32Array(DIMENSION);
    for (let secs = 0; secs < videoSecs; secs += 2) {
      if (secs % 30 === 0) centre = rng.pick(centres);
      const vector = centre.map((value) => value + 0.2 * rng.gaussian());
      const base = { account_id: 'acc_bench', collection_id: collectionId, video_id: videoId, start_secs: secs, end_secs: secs + 2 };
      frames.push({
        ...base,
        id: `${videoId}:frame:${secs}`,
        type: 'frame',
        text: '',
        words_json: '',
        thumbnail_key: `thumbs/${videoId}/${secs}.jpg`,
        embedder: 'bench',
        vector,
      });
      if (secs % 6 === 0) {
        const text = Array.from({ length: 8 }, () => rng.pick(words)).join(' ');
        rows.push({ ...base, id: `${videoId}:transcript:${secs}`, type: 'transcript', end_secs: secs + 5, text, thumbnail_key: '' });
      }
    }
  }
  return { frames, rows };
}

export async function framemapBench(
  options: { hoursList?: readonly number[]; httpHours?: number; library?: string | undefined; keep?: boolean } = {},
): Promise<void> {
  for (const hours of options.hoursList ?? [10, 100]) {
    const { frames, rows } = library(hours, 24);
    const started = performance.now();
    const map = layoutFrames(frames, rows, 1);
    const millis = performance.now() - started;
    console.log(
      `framemap (${hours} h: ${frames.length} frames, ${rows.length} text rows): ${(millis / 1000).toFixed(1)} s to compute; ` +
        `${map.clusters.length} clusters, ${map.frames.length} frames answered (of ${map.total_frames})`,
    );
  }
  if (options.library || (options.httpHours ?? 0) > 0) {
    await framemapOverHttp({ hours: options.httpHours ?? 0, library: options.library, keep: options.keep ?? false });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await framemapBench({ hoursList: (process.argv[2] ?? '10,100').split(',').map(Number), httpHours: Number(process.argv[3] ?? '0') });
}

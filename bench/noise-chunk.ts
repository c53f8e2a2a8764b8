import { execFile } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processChunk, type ChunkIo } from '#lib/indexing/chunk';
import { maxFramesFor } from '#lib/media/extract';
import { FrameDescriptorEmbedder } from '#lib/ml/embedders/frame-descriptor';
import { TesseractReader } from '#lib/ml/ocr/tesseract';
import { treeSampler } from './indexing';

const run = promisify(execFile);

/**
 * `npm run bench -- --only noise` (issue 19 item 2): one five-minute index chunk of a video whose frames are nearly
 * all scene changes (each frame's brightness jumps, over noise; 640×360, 25 fps), through processChunk as the worker
 * runs it (the source over HTTP, OCR and the frame embedder; no audio), with the peak memory of the process and its
 * children (ffmpeg, tesseract). Frames per chunk are bounded by the scene gap (lib/media/extract.ts); the figure
 * beside it is what ffmpeg's scene filter alone would have taken.
 */
const CHUNK_SECS = 300;
const FPS = 25;
/** Memory a worker may use: the index worker's 3 008 MB (functions/routes.ts) less room for the runtime. */
const GOAL_PEAK_MB = 1500;

export async function noiseChunkBench(): Promise<void> {
  const path = await noiseVideo();
  const bytes = statSync(path).size;
  const server = createServer((request, response) => {
    const range = /bytes=(\d+)-(\d*)/.exec(request.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Number(range[2]) : bytes - 1;
    response.writeHead(range ? 206 : 200, {
      'content-length': end - start + 1,
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${bytes}` } : {}),
    });
    createReadStream(path, { start, end }).pipe(response);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/noise.mp4`;
  let thumbnails = 0;
  const io: ChunkIo = {
    sourceUrl: async () => url,
    hasAudio: false,
    storeThumbnail: async (time) => {
      thumbnails += 1;
      return `thumbs/${time}.jpg`;
    },
  };
  const sampler = treeSampler();
  const started = performance.now();
  try {
    const staged = await processChunk(
      { chunk_index: 0, chunks_total: 1, start_secs: 0, end_secs: CHUNK_SECS },
      io,
      { transcriber: undefined, textReader: new TesseractReader(), embedder: new FrameDescriptorEmbedder() },
      { reportStep: async () => {} },
    );
    const secs = (performance.now() - started) / 1000;
    const { peakMb } = sampler.stop();
    console.log(`\nnoise chunk (${CHUNK_SECS} s, 640×360, ${FPS} fps, scene change at most frames; machine shared, so times are pessimistic):`);
    console.log(
      `  frames indexed        ${staged.frames.length} (bound ${maxFramesFor(CHUNK_SECS)}; the scene filter alone takes about half of ${CHUNK_SECS * FPS})`,
    );
    console.log(`  thumbnails stored     ${thumbnails}`);
    console.log(`  peak RSS (tree)       ${peakMb.toFixed(0)} MB (goal ≤ ${GOAL_PEAK_MB} MB: ${peakMb <= GOAL_PEAK_MB ? 'met' : 'MISSED'})`);
    console.log(`  node's own max RSS    ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    console.log(`  wall                  ${secs.toFixed(1)} s`);
  } finally {
    server.close();
  }
}

/** Generated once per machine into the temp dir and reused (about 1 min of ffmpeg). */
async function noiseVideo(): Promise<string> {
  const path = join(tmpdir(), 'frameseek-bench-noise-300s-v1.mp4');
  if (existsSync(path)) return path;
  const work = mkdtempSync(join(tmpdir(), 'frameseek-bench-noise-'));
  try {
    const partial = join(work, 'noise.mp4');
    await run('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=gray:size=640x360:rate=${FPS}`],
      ...['-vf', "geq=lum='mod(N*N*37+X,256)':cb=128:cr=128,noise=alls=40:allf=t"],
      ...['-t', String(CHUNK_SECS), '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '32', '-pix_fmt', 'yuv420p', partial],
    ]);
    renameSync(partial, path);
    return path;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

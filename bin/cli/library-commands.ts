import { openAsBlob } from 'node:fs';
import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import { formData, succeed, unwrap } from '#sdk/index';
import { connect, printFields, printJson, printPageNote, printTable, withCommonOptions, type CommonFlags, actionsRunBy, type Runner } from './context.ts';
import { CliError } from './errors.ts';
import { JOB_FAILED_EXIT, watchJob } from './job-watch.ts';
import { formatBytes } from './progress.ts';

/** `collections …`, `videos …`, `jobs …` and `search`: what an API key (or a session) reaches. */
type Parse = (value: string) => number;

interface PageFlags extends CommonFlags {
  page: number;
  perPage: number;
  /** meta.next_cursor of the page before (printed under a list): reads on from there, however deep. */
  cursor?: string;
}

interface FilterFlags extends PageFlags {
  collection?: string;
  status?: string;
}

interface TranscriptFlags extends CommonFlags {
  format: 'text' | 'vtt' | 'srt';
  includeOcr?: boolean;
}

interface WatchFlags extends CommonFlags {
  intervalMs: number;
}

interface SearchFlags extends CommonFlags {
  image?: string;
  collection?: string;
  video?: string;
  mode?: ('video' | 'transcript' | 'ocr')[];
  page: number;
  perPage: number;
}

/** m:ss (h:mm:ss past an hour), as media players show a time. */
function clock(secs: number): string {
  const whole = Math.floor(secs);
  const [hours, minutes, seconds] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  const mmss = `${hours > 0 ? String(minutes).padStart(2, '0') : minutes}:${String(seconds).padStart(2, '0')}`;
  return hours > 0 ? `${hours}:${mmss}` : mmss;
}

function snippet(text: string | undefined, max = 48): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A cursor reads on from where its page stopped (past the 10 000 rows `page` reaches); `page` goes with it never. */
const pageQuery = (flags: PageFlags) =>
  flags.cursor === undefined ? { page: flags.page, per_page: flags.perPage } : { cursor: flags.cursor, per_page: flags.perPage };

async function listCollections(flags: PageFlags): Promise<number> {
  const { client } = await connect(flags);
  const answer = await unwrap(client.GET('/v1/collections', { params: { query: pageQuery(flags) } }));
  if (flags.json) {
    printJson(answer);
    return 0;
  }
  printTable(
    ['ID', 'NAME', 'VIDEOS', 'CREATED'],
    answer.data.map((collection) => [collection.id, collection.name, collection.video_count, collection.created_at]),
  );
  printPageNote(answer.meta, answer.data.length);
  return 0;
}

async function createCollection(name: string, flags: CommonFlags): Promise<number> {
  const { client } = await connect(flags);
  const answer = await unwrap(client.POST('/v1/collections', { body: { name } }));
  if (flags.json) {
    printJson(answer);
    return 0;
  }
  printFields([
    ['id', answer.data.id],
    ['name', answer.data.name],
  ]);
  return 0;
}

async function renameCollection(collectionId: string, name: string, flags: CommonFlags): Promise<number> {
  const { client } = await connect(flags);
  const answer = await unwrap(client.PATCH('/v1/collections/{collection_id}', { params: { path: { collection_id: collectionId } }, body: { name } }));
  if (flags.json) {
    printJson(answer);
    return 0;
  }
  printFields([
    ['id', answer.data.id],
    ['name', answer.data.name],
  ]);
  return 0;
}

async function deleteCollection(collectionId: string, flags: CommonFlags): Promise<number> {
  const { client } = await connect(flags);
  await succeed(client.DELETE('/v1/collections/{collection_id}', { params: { path: { collection_id: collectionId } } }));
  if (flags.json) {
    printJson({ data: null });
    return 0;
  }
  process.stdout.write(`deleted ${collectionId} and every video in it\n`);
  return 0;
}

function filters(flags: FilterFlags) {
  return { ...pageQuery(flags), ...(flags.collection ? { collection_id: flags.collection } : {}), ...(flags.status ? { status: flags.status } : {}) };
}

async function listVideos(flags: FilterFlags): Promise<number> {
  const { client } = await connect(flags);
  const answer = await unwrap(client.GET('/v1/videos', { params: { query: filters(flags) } }));
  if (flags.json) {
    printJson(answer);
    return 0;
  }
  printTable(
    ['ID', 'FILENAME', 'STATUS', 'DURATION', 'SIZE', 'COLLECTION', 'CREATED'],
    answer.data.map((video) => [
      video.id,
      video.filename,
      video.status,
      video.duration_secs === null ? null : clock(video.duration_secs),
      video.file_size_bytes === null ? null : formatBytes(video.file_size_bytes),
      video.collection_id,
      video.created_at,
    ]),
  );
  printPageNote(answer.meta, answer.data.length);
  return 0;
}

async function getVideo(videoId: string, flags: CommonFlags): Promise<number> {
  const { client } = await connect(flags);
  const answer = await unwrap(client.GET('/v1/videos/{video_id}', { params: { path: { video_id: videoId } } }));
  if (flags.json) {
    printJson(answer);
    return 0;
  }
  const video = answer.data;
  printFields([
    ['id', video.id],
    ['filename', video.filename],
    ['collection', video.collection_id],
    ['status', video.status],
    ['duration', video.duration_secs === null ? null : clock(video.duration_secs)],
    ['size', video.file_size_bytes === null ? null : formatBytes(video.file_size_bytes)],
    ['picture', video.width === null ? null : `${video.width}×${video.height} ${video.codec ?? ''} ${video.fps ?? ''} fps`],
    ['job', video.job_id],
    ['error', video.error_code ? `${video.error_code}: ${video.error}` : null],
    ['created', video.created_at],
    ['playback', video.playback_url],
  ]);
  return 0;
}

async function deleteVideo(videoId: string, flags: CommonFlags): Promise<number> {
  const { client } = await connect(flags);
  await succeed(client.DELETE('/v1/videos/{video_id}', { params: { path: { video_id: videoId } } }));
  if (flags.json) {
    printJson({ data: null });
    return 0;
  }
  process.stdout.write(`deleted ${videoId}\n`);
  return 0;
}

async function transcript(videoId: string, flags: TranscriptFlags): Promise<number> {
  const { client } = await connect(flags);
  const path = { video_id: videoId };
  if (flags.format !== 'text') {
    // Subtitles are a file (WebVTT or SubRip), printed as the API sends it.
    const subtitles = await unwrap(client.GET('/v1/videos/{video_id}/transcript', { params: { path, query: { format: flags.format } }, parseAs: 'text' }));
    process.stdout.write(subtitles.endsWith('\n') ? subtitles : `${subtitles}\n`);
    return 0;
  }
  const answer = await unwrap(client.GET('/v1/videos/{video_id}/transcript', { params: { path, query: flags.includeOcr ? { include: 'ocr' } : {} } }));
  if (flags.json) {
    printJson(answer);
    return 0;
  }
  for (const item of answer.data) process.stdout.write(`[${clock(item.start)}–${clock(item.end)}] ${item.type === 'ocr' ? '(on screen) ' : ''}${item.text}\n`);
  if (answer.data.length === 0) process.stderr.write('nothing was said (or read) in this video\n');
  return 0;
}

async function listJobs(flags: FilterFlags): Promise<number> {
  const { client } = await connect(flags);
  const answer = await unwrap(client.GET('/v1/jobs', { params: { query: filters(flags) } }));
  if (flags.json) {
    printJson(answer);
    return 0;
  }
  printTable(
    ['ID', 'VIDEO', 'STATUS', 'STAGE', 'PROGRESS', 'ERROR', 'UPDATED'],
    answer.data.map((job) => [job.id, job.video_id, job.status, job.stage, `${job.progress_pct}%`, job.error_code, job.updated_at]),
  );
  printPageNote(answer.meta, answer.data.length);
  return 0;
}

async function watch(jobId: string, flags: WatchFlags): Promise<number> {
  const { client } = await connect(flags);
  const job = await watchJob(client, jobId, flags.intervalMs);
  if (flags.json) printJson({ data: job });
  else
    printFields([
      ['job', job.id],
      ['video', job.video_id],
      ['status', job.status],
    ]);
  if (job.status === 'done') return 0;
  process.stderr.write(`error: ${job.error_code ?? 'JOB_FAILED'}: ${job.error ?? 'the job failed without saying why'}\n`);
  return JOB_FAILED_EXIT;
}

const IMAGE_TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };

async function search(query: string | undefined, flags: SearchFlags): Promise<number> {
  if (!query && !flags.image) throw new CliError('MISSING_QUERY', 'give a query, an --image, or both');
  const fields = {
    ...(query ? { query } : {}),
    ...(flags.collection ? { collection_id: flags.collection } : {}),
    ...(flags.video ? { video_id: flags.video } : {}),
    ...(flags.mode ? { modes: flags.mode } : {}),
    page: flags.page,
    per_page: flags.perPage,
  };
  const { client } = await connect(flags);
  const answer = await unwrap(
    flags.image
      ? client.POST('/v1/search', { body: { ...fields, image: await imageBlob(flags.image) }, bodySerializer: formData })
      : client.POST('/v1/search', { body: fields }),
  );
  if (flags.json) {
    printJson(answer);
    return 0;
  }
  const rows = answer.data.flatMap((video) =>
    video.segments.map((segment) => [
      video.filename,
      `${clock(segment.timestamp_start)}–${clock(segment.timestamp_end)}`,
      segment.score.toFixed(2),
      snippet(segment.text_content) || `(${segment.type})`,
      segment.video_url,
    ]),
  );
  if (rows.length === 0) process.stderr.write('no matches\n');
  else printTable(['VIDEO', 'TIME', 'SCORE', 'SNIPPET', 'LINK'], rows);
  for (const warning of warningsOf(answer.meta)) process.stderr.write(`warning: ${warning}\n`);
  printPageNote(answer.meta, answer.data.length);
  return 0;
}

async function imageBlob(path: string): Promise<Blob> {
  const type = IMAGE_TYPES[extname(path).toLowerCase()];
  if (!type) throw new CliError('UNSUPPORTED_FORMAT', `${path}: the image must be a .jpg, .jpeg, .png or .webp file`);
  return openAsBlob(path, { type }).catch(() => {
    throw new CliError('FILE_NOT_FOUND', `${path}: no such file`);
  });
}

/** Search's meta carries warnings (e.g. a mode skipped); the document does not list them, so they are read with a check. */
function warningsOf(meta: object): string[] {
  const warnings: unknown = 'warnings' in meta ? meta.warnings : undefined;
  return Array.isArray(warnings) ? warnings.map((warning: unknown) => (typeof warning === 'string' ? warning : JSON.stringify(warning))) : [];
}

export function addLibraryCommands(program: Command, run: Runner, integerAtLeast: (minimum: number) => Parse): void {
  const action = actionsRunBy(run);
  const paged = (command: Command, perPage = 20) =>
    withCommonOptions(
      command
        .option('--page <n>', 'which page (the first 10 000 rows)', integerAtLeast(1), 1)
        .option('--per-page <n>', 'rows per page (at most 100)', integerAtLeast(1), perPage)
        .option('--cursor <cursor>', 'the next page after the one that printed this cursor'),
    );

  const collections = program.command('collections').description('Collections of videos');
  paged(collections.command('list').description('Collections, newest first')).action(action(listCollections));
  withCommonOptions(collections.command('create').description('Create a collection').argument('<name>', 'its name (unique in the account)')).action(
    action(createCollection),
  );
  withCommonOptions(
    collections.command('rename').description('Rename a collection').argument('<collection_id>', 'the collection (col_…)').argument('<name>', 'the new name'),
  ).action(action(renameCollection));
  withCommonOptions(
    collections.command('delete').description('Delete a collection and every video in it').argument('<collection_id>', 'the collection (col_…)'),
  ).action(action(deleteCollection));

  const videos = program.command('videos').description('Uploaded videos');
  paged(
    videos
      .command('list')
      .description('Videos, newest first')
      .option('--collection <id>', 'only this collection')
      .option('--status <list>', 'only these statuses, comma-separated (uploading, processing, ready, failed)'),
  ).action(action(listVideos));
  withCommonOptions(videos.command('get').description('One video, with a playback link').argument('<video_id>', 'the video (vid_…)')).action(action(getVideo));
  withCommonOptions(
    videos.command('delete').description('Delete a video: file, frames, thumbnails, index entries').argument('<video_id>', 'the video (vid_…)'),
  ).action(action(deleteVideo));
  withCommonOptions(
    videos
      .command('transcript')
      .description('What is said in a video, in time order; --format vtt or srt prints subtitles')
      .argument('<video_id>', 'the video (vid_…)')
      .addOption(new Option('--format <format>', 'text lines, or a subtitle file').choices(['text', 'vtt', 'srt']).default('text'))
      .option('--include-ocr', 'add the text read on screen (text format only)'),
  ).action(action(transcript));

  const jobs = program.command('jobs').description('Indexing jobs');
  paged(
    jobs
      .command('list')
      .description('Jobs, newest first')
      .option('--collection <id>', 'only this collection')
      .option('--status <list>', 'only these statuses, comma-separated (queued, pending, processing, done, failed)'),
  ).action(action(listJobs));
  withCommonOptions(
    jobs
      .command('watch')
      .description(`Follow a job with a progress bar until it ends: exit 0 when done, ${JOB_FAILED_EXIT} when it failed`)
      .argument('<job_id>', 'the job (job_…)')
      .option('--interval-ms <n>', 'between reads of the job', integerAtLeast(100), 1000),
  ).action(action(watch));

  withCommonOptions(
    program
      .command('search')
      .description('Find moments by a sentence and/or an example image; prints video, time, score, snippet and link')
      .argument('[query]', 'what to look for (said, written on screen or seen)')
      .option('--image <file>', 'an example picture (.jpg, .png, .webp)')
      .option('--collection <id>', 'only this collection')
      .option('--video <id>', 'only this video')
      .addOption(new Option('--mode <mode...>', 'only these modes').choices(['video', 'transcript', 'ocr']))
      .option('--page <n>', 'which page of videos', integerAtLeast(1), 1)
      .option('--per-page <n>', 'videos per page (at most 50)', integerAtLeast(1), 10),
  ).action(action(search));
}

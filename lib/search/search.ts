import { AppError } from '#lib/errors';
import { newId } from '#lib/ids';
import { nowMs } from '#lib/clock';
import { logWarn } from '#lib/log';
import { metrics } from '#lib/metrics';
import { admissionGate, OverloadedError } from '#lib/admission';
import { config } from '#lib/config';
import { configuredEngines } from '#lib/ml/engines';
import { EngineUnavailableError } from '#lib/ml/types';
import { warmSearchIndex } from '#lib/search/index';
import { accountText } from '#lib/search/account-text';
import { fuse, type FusedSegment, type RankedList } from '#lib/search/fusion';
import { IndexUnavailableError, type Scope, type SegmentHit } from '#lib/search/types';
import { presignGet, readObject } from '#lib/storage/objects';
import { getCollectionRecord, listCollectionRecords } from '#lib/db/collections';
import { getVideoRecord } from '#lib/db/videos';
import { visibleVideos, type VisibleVideo } from '#lib/search/visible-videos';
import type { AccountSnapshot } from '#lib/auth/principal';
import { rememberQuery } from '#lib/db/search-feedback';
import { hiddenFor } from '#lib/search/hidden';
import { giveBackSearch, takeSearch } from '#lib/billing/search-metering';
import { normalise } from '#lib/text';
import { checkedQueryImage, fetchQueryImage } from '#lib/search/query-image';
import { containsPhrase, interpretQuery, type Interpretation } from '#lib/search/interpret';
import { clickBoostsFor, rememberSearch } from '#lib/search/clicks';

/**
 * POST /v1/search: each mode retrieves on its own from the index (frames by vector, speech and
 * on-screen text by BM25, in memory for small accounts: lib/search/account-text.ts), the lists are fused (RRF, calibrated scores, grouped by video), and the
 * page is dressed with presigned thumbnails and playable links. One search unit is taken once the
 * request's checks pass and given back if the search then fails.
 */
export type SearchMode = 'video' | 'transcript' | 'ocr';

/** The example image as sent: a file of the request, or a URL to fetch. */
export type QueryImage = { bytes: Buffer; truncated: boolean } | { url: string };

export interface SearchInput {
  query?: string | undefined;
  image?: QueryImage | undefined;
  collectionId?: string | undefined;
  videoId?: string | undefined;
  modes: readonly SearchMode[];
  page: number;
  perPage: number;
  maxSegments: number;
  includeHidden: boolean;
  collapseDuplicates: boolean;
  thumbnails: 'url' | 'base64' | 'none';
  /** Read the query's wording into modes and filters (lib/search/interpret.ts); reported in `meta.interpreted`. */
  naturalLanguage?: boolean;
  /** PureFrame's frame-label filter; no label source exists yet, so it is answered with a warning. */
  labels?: readonly string[];
}

/** Filters the interpreted wording adds; each keeps a hit or drops it before fusion. */
interface HitFilters {
  /** Text matches must hold each phrase word for word (frames have no words to check, and stay). */
  exactPhrases: readonly string[];
  /** Moments starting before this media time are dropped. */
  startsAtOrAfterSecs: number | undefined;
}

export interface SearchSegment {
  timestamp_start: number;
  timestamp_end: number;
  score: number;
  type: 'frame' | 'transcript' | 'ocr';
  text_content?: string;
  thumbnail_url?: string;
  thumbnail_base64?: string;
  video_url: string;
  rank: number;
  hidden: boolean;
}

export interface SearchResult {
  data: Array<{ video_id: string; filename: string; collection_id: string; score: number; segments: SearchSegment[] }>;
  meta: { total: number; page: number; per_page: number; search_id: string; warnings: string[]; interpreted?: InterpretedSearch };
}

/** The interpreter's reading, with the collection it named resolved within the caller's account. */
export type InterpretedSearch = Interpretation & { collection_id: string | null };

/** Hits each mode hands to fusion: enough for many pages of videos. */
const HITS_PER_MODE = 200;
const EMBED_TIMEOUT_MS = 5000;
const LINK_SECS = 60 * 60;

/** Who searches: the account and what authentication read of it (plan, videos and index epochs). */
export interface Searcher {
  accountId: string;
  account: AccountSnapshot;
}

/** In front of every search of this process: overload answers 503 at once instead of a search that times out late. */
const searchAdmission = admissionGate({
  concurrency: config.FRAMESEEK_SEARCH_CONCURRENCY,
  maxWaitMs: config.FRAMESEEK_SEARCH_MAX_WAIT_MS,
  initialServiceMs: 30,
});

/**
 * Steps 7 (scope exists), 8 (the image's limits) and 10 (the search unit), then the answer. The
 * retrieval (index reads, query embedding, hidden segments) starts at once, beside those checks,
 * the rate-limit decision (`admitted`, step 4) and the charge, and its result is used only once
 * they have passed: a refused search still costs nothing and shows nothing, and a charged one does
 * not wait for the count, the checks and the index in turn. The query is remembered for
 * suggestions beside the charge, once the request is admitted and checked (a write of its own,
 * ~6 ms on DynamoDB Local, that would otherwise follow the retrieval); a valid query refused only
 * for want of a search unit is remembered too, as typed.
 */
export async function runSearch(searcher: Searcher, request: SearchInput, admitted: Promise<void>): Promise<SearchResult> {
  try {
    return await searchAdmission.run(() => searchAdmitted(searcher, request, admitted));
  } catch (error) {
    if (!(error instanceof OverloadedError)) throw error;
    throw new AppError('SEARCH_UNAVAILABLE', `Search is busy right now; retry in ${error.retryAfterSecs} s`, { retry_after: error.retryAfterSecs });
  }
}

async function searchAdmitted(searcher: Searcher, request: SearchInput, admitted: Promise<void>): Promise<SearchResult> {
  const startedMs = nowMs();
  const { input, filters, notes } = await understand(searcher.accountId, request);
  const image = input.image ? loadImage(input.image) : Promise.resolve(undefined);
  const checked = Promise.all([admitted, checkRequest(searcher.accountId, input, image)]);
  const charged = checked.then(() => takeSearch(searcher.accountId, searcher.account));
  const searchId = newId('search');
  // Suggestions complete what people type, so the query is remembered as sent, not as interpreted;
  // clicks count for the words searched (the interpreted query), the same words ranking looks their boosts up by.
  const remembered = checked
    .then(() => Promise.all([rememberForSuggestions(searcher.accountId, request.query), rememberForClicks(searcher.accountId, searchId, input.query)]))
    .catch(() => undefined);
  const retrieval = retrieve(searcher, input, image);
  // A check that refuses leaves the retrieval unread: its failure, if any, is not the answer.
  retrieval.catch(() => undefined);
  try {
    const charge = await charged;
    try {
      const result = await answer(searcher, input, filters, await retrieval, searchId);
      metrics.recordSearch(nowMs() - startedMs);
      return {
        data: result.data,
        meta: { ...result.meta, warnings: [...notes.warnings, ...result.meta.warnings], ...(notes.interpreted ? { interpreted: notes.interpreted } : {}) },
      };
    } catch (error) {
      await giveBackSearch(charge);
      if (error instanceof IndexUnavailableError || error instanceof EngineUnavailableError) {
        logWarn('search: unavailable', { error: String(error) });
        throw new AppError('SEARCH_UNAVAILABLE', 'Search is unavailable right now; retry in a few seconds', { retry_after: 5 });
      }
      throw error;
    }
  } finally {
    // Not left in flight, whatever the answer: a frozen function (Lambda) would finish it in another request's time.
    await remembered;
  }
}

/**
 * PureFrame's request fields turned into our search: `labels` answered with a warning while no
 * label source exists (never a refusal: a documented PureFrame field), and with `natural_language`
 * the query's wording read into the words searched, the modes, the filters and the scope. "in
 * <collection>" is read against the caller's own collections only; a name none of them has is a
 * warning (the search runs over the whole account), as is one that differs from an explicit `collection_id` (which wins).
 */
async function understand(
  accountId: string,
  request: SearchInput,
): Promise<{ input: SearchInput; filters: HitFilters; notes: { warnings: string[]; interpreted?: InterpretedSearch } }> {
  const warnings: string[] = [];
  if (request.labels?.length) {
    warnings.push(`labels (${request.labels.join(', ')}) were not applied: no label source exists for frames, so results are not filtered by label.`);
  }
  if (!request.naturalLanguage || !request.query) return { input: request, filters: { exactPhrases: [], startsAtOrAfterSecs: undefined }, notes: { warnings } };
  const collections = (await listCollectionRecords(accountId)).filter((collection) => collection.status === 'active');
  const interpreted = interpretQuery(
    request.query,
    collections.map((collection) => collection.name),
  );
  const named = interpreted.collection_found ? collections.find((collection) => collection.name === interpreted.collection) : undefined;
  if (interpreted.collection !== null && !named) {
    warnings.push(`No collection is named "${interpreted.collection}" in this account: the search was not limited to a collection.`);
  }
  let collectionId = request.collectionId;
  if (named && request.collectionId && request.collectionId !== named.collection_id) {
    warnings.push(`The query names the collection "${named.name}", but collection_id ${request.collectionId} was sent: the collection_id was searched.`);
  } else if (named) {
    collectionId = named.collection_id;
  }
  return {
    input: { ...request, query: interpreted.query, modes: interpreted.modes ?? request.modes, collectionId },
    filters: { exactPhrases: interpreted.exact_phrases, startsAtOrAfterSecs: interpreted.after_secs ?? undefined },
    notes: { warnings, interpreted: { ...interpreted, collection_id: named?.collection_id ?? null } },
  };
}

/**
 * Whether a retrieved hit passes the interpreted filters. They apply to each mode's best
 * HITS_PER_MODE hits, so a moment past those is not reached: the filters narrow, they do not search further.
 */
function passes(hit: SegmentHit, filters: HitFilters): boolean {
  if (filters.startsAtOrAfterSecs !== undefined && hit.row.start_secs < filters.startsAtOrAfterSecs) return false;
  if (hit.row.type === 'frame') return true;
  return filters.exactPhrases.every((phrase) => containsPhrase(hit.row.text, phrase));
}

/** The scope exists (7), then the image is within its limits (8); a refusal of the first wins. */
async function checkRequest(accountId: string, input: SearchInput, image: Promise<Buffer | undefined>): Promise<void> {
  const [scope, loaded] = await Promise.allSettled([requireScope(accountId, input), image]);
  if (scope.status === 'rejected') throw scope.reason;
  if (loaded.status === 'rejected') throw loaded.reason;
}

/** Past queries only complete suggestions: one that cannot be written is logged, and the search goes on. */
async function rememberForSuggestions(accountId: string, rawQuery: string | undefined): Promise<void> {
  const query = rawQuery?.trim() ?? '';
  if (!query) return;
  try {
    await rememberQuery(accountId, normalise(query), query, Math.floor(nowMs() / 1000));
  } catch (error) {
    logWarn('search: the query was not remembered for suggestions', { error: String(error) });
  }
}

/** A search whose query cannot be kept still answers; its clicks then count for no query. */
async function rememberForClicks(accountId: string, searchId: string, query: string | undefined): Promise<void> {
  try {
    await rememberSearch(accountId, searchId, query);
  } catch (error) {
    logWarn('search: the search was not kept for its clicks', { error: String(error) });
  }
}

async function requireScope(accountId: string, input: SearchInput): Promise<void> {
  const [collection, video] = await Promise.all([
    input.collectionId ? getCollectionRecord(accountId, input.collectionId) : undefined,
    input.videoId ? getVideoRecord(accountId, input.videoId) : undefined,
  ]);
  if (input.collectionId && (!collection || collection.status === 'deleting')) throw new AppError('COLLECTION_NOT_FOUND');
  if (input.videoId) {
    if (!video || video.status === 'deleting' || (input.collectionId && video.collection_id !== input.collectionId)) throw new AppError('VIDEO_NOT_FOUND');
  }
}

function loadImage(image: QueryImage): Promise<Buffer> {
  return 'url' in image ? fetchQueryImage(image.url) : checkedQueryImage(image.bytes, 'image', image.truncated);
}

interface Retrieved {
  lists: RankedList[];
  hidden: Set<string>;
  /** This account's click boosts for the query (lib/search/clicks.ts). */
  boosts: Map<string, number>;
  warnings: string[];
  embedderId: string;
}

/** Each mode on its own, in parallel, always inside the account; with the account's hidden segments. */
async function retrieve({ accountId, account }: Searcher, input: SearchInput, loadingImage: Promise<Buffer | undefined>): Promise<Retrieved> {
  const { embedder } = configuredEngines();
  const scope: Scope = { accountId, ...(input.collectionId ? { collectionId: input.collectionId } : {}), ...(input.videoId ? { videoId: input.videoId } : {}) };
  const warnings: string[] = [];
  const query = input.query?.trim() ?? '';
  const textModes = input.modes.filter((mode): mode is 'transcript' | 'ocr' => mode !== 'video');
  const wantsVideo = input.modes.includes('video');
  if (wantsVideo && query && !input.image && !embedder.understandsText) {
    warnings.push(
      `The video mode was skipped: the configured embedder (${embedder.id}) compares pictures only, so a text query searched speech and on-screen text. Configure an image-text model (FRAMESEEK_EMBEDDER=clip-onnx or bedrock) to search what is seen with words.`,
    );
  }

  const index = await warmSearchIndex();
  const retrievals: Array<Promise<RankedList>> = [];
  // Query vectors; each one's k-NN is handed to the index the moment it is ready (see below).
  const vectors: Array<Promise<unknown>> = [];
  const textVector = wantsVideo && query && embedder.understandsText ? embedQuery(() => embedder.embedText([query])) : undefined;
  if (textVector) vectors.push(textVector);
  if (wantsVideo && input.image) {
    // The image leads, the text refines (api.md): one k-NN by the picture, whose frames the words
    // then order among themselves (a second list for fusion), rather than a search of their own.
    const vector = loadingImage.then((image) => (image ? embedQuery(() => embedder.embedImages([image])) : undefined));
    vectors.push(vector);
    const frames = Promise.all([vector, textVector]).then(([ready, refineWith]) =>
      ready ? index.nearestFrames(scope, embedder.id, ready, HITS_PER_MODE, refineWith) : [],
    );
    retrievals.push(frames.then((hits) => list('video', 'image', hits)));
    if (textVector) retrievals.push(frames.then((hits) => list('video', 'text', refinedOrder(hits))));
  } else if (textVector) {
    retrievals.push(textVector.then(async (ready) => list('video', 'text', await index.nearestFrames(scope, embedder.id, ready, HITS_PER_MODE))));
  }
  const hidden = hiddenFor(accountId, account.feedbackEpoch);
  const boosts = clickBoostsFor(accountId, query);
  if (query && textModes.length > 0) {
    // Matching in memory is CPU work on this thread (~2 ms): it waits until the image is checked and
    // embedded and the k-NN searches are in the index's hands (their callbacks were registered
    // first), so it runs while they do, not in their way; the DynamoDB requests started beside it go
    // out first. The index's full-text search runs in its own threads: it starts at once.
    const matched = accountText(accountId, account.indexEpoch).then(async (text) => {
      if (text.inMemory) {
        await Promise.allSettled(vectors);
        await new Promise((ready) => setImmediate(ready));
      }
      return text.matchEach(scope, textModes, query, HITS_PER_MODE);
    });
    for (const mode of textModes) retrievals.push(matched.then((byMode) => list(mode, 'text', byMode.get(mode) ?? [])));
  }
  const [lists, hiddenKeys, clickBoosts] = await Promise.all([Promise.all(retrievals), hidden, boosts]);
  return { lists, hidden: hiddenKeys, boosts: clickBoosts, warnings, embedderId: embedder.id };
}

/** Fusion over the videos search may show, then the page dressed with links (or inline thumbnails). */
async function answer(searcher: Searcher, input: SearchInput, filters: HitFilters, retrieved: Retrieved, searchId: string): Promise<SearchResult> {
  const { accountId } = searcher;
  const { lists, hidden, warnings } = retrieved;
  const videoIds = lists.flatMap((ranked) => ranked.hits.map((hit) => hit.row.video_id));
  const visible = await visibleVideos(accountId, searcher.account.videosEpoch, videoIds);
  const videos = input.collapseDuplicates ? withoutCopies(visible) : visible;
  const fused = fuse(
    lists.map((ranked) => ({ ...ranked, hits: ranked.hits.filter((hit) => videos.has(hit.row.video_id) && passes(hit, filters)) })),
    {
      embedder: retrieved.embedderId,
      hidden,
      includeHidden: input.includeHidden,
      maxSegments: input.maxSegments,
      page: input.page,
      perPage: input.perPage,
      boosts: retrieved.boosts,
    },
  );

  const data = await Promise.all(
    fused.videos.map(async (fusedVideo) => {
      const video = videos.get(fusedVideo.video_id);
      if (!video) throw new Error('fused a video that was not visible');
      const sourceUrl = await presignGet(video.source_key, LINK_SECS);
      return {
        video_id: fusedVideo.video_id,
        filename: video.filename,
        collection_id: fusedVideo.collection_id,
        score: fusedVideo.score,
        segments: await Promise.all(fusedVideo.segments.map((segment) => dressSegment(segment, sourceUrl, input.thumbnails))),
      };
    }),
  );
  return { data, meta: { total: fused.total, page: input.page, per_page: input.perPage, search_id: searchId, warnings } };
}

/**
 * One video per content hash: the first uploaded (ids sort by creation time) stands for its copies, so
 * the same file uploaded three times is one hit, not three equal ones. Videos without a hash stay.
 */
function withoutCopies(videos: ReadonlyMap<string, VisibleVideo>): Map<string, VisibleVideo> {
  const firstByHash = new Map<string, string>();
  for (const video of videos.values()) {
    if (!video.sha256) continue;
    const first = firstByHash.get(video.sha256);
    if (first === undefined || video.video_id < first) firstByHash.set(video.sha256, video.video_id);
  }
  return new Map([...videos].filter(([videoId, video]) => !video.sha256 || firstByHash.get(video.sha256) === videoId));
}

/** The image's frames as the words see them: by their cosine to the text's vector, best first. */
function refinedOrder(hits: readonly SegmentHit[]): SegmentHit[] {
  return hits
    .filter((hit) => hit.refined_score !== undefined)
    .map((hit) => ({ row: hit.row, raw_score: hit.refined_score ?? -1 }))
    .sort((a, b) => b.raw_score - a.raw_score);
}

function list(mode: SearchMode, source: 'image' | 'text', hits: SegmentHit[]): RankedList {
  return { mode, source, hits };
}

/** The query's vector within a deadline: a slow or broken embedder is SEARCH_UNAVAILABLE, never a hang. */
async function embedQuery(embed: () => Promise<Float32Array[]>): Promise<Float32Array> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, fail) => {
    timer = setTimeout(
      () => fail(new EngineUnavailableError('query-embedder', `the query embedder did not answer within ${EMBED_TIMEOUT_MS} ms`)),
      EMBED_TIMEOUT_MS,
    );
  });
  try {
    const [vector] = await Promise.race([embed(), deadline]);
    if (!vector) throw new EngineUnavailableError('query-embedder', 'the query embedder returned nothing');
    return vector;
  } catch (error) {
    throw error instanceof EngineUnavailableError ? error : new EngineUnavailableError('query-embedder', String(error));
  } finally {
    clearTimeout(timer);
  }
}

async function dressSegment(segment: FusedSegment, sourceUrl: string, thumbnails: SearchInput['thumbnails']): Promise<SearchSegment> {
  const dressed: SearchSegment = {
    timestamp_start: segment.timestamp_start,
    timestamp_end: segment.timestamp_end,
    score: segment.score,
    type: segment.type,
    ...(segment.text_content ? { text_content: segment.text_content } : {}),
    video_url: `${sourceUrl}#t=${segment.timestamp_start}`,
    rank: segment.rank,
    hidden: segment.hidden,
  };
  if (thumbnails === 'url' && segment.thumbnail_key) dressed.thumbnail_url = await presignGet(segment.thumbnail_key, LINK_SECS);
  if (thumbnails === 'base64' && segment.thumbnail_key) {
    const bytes = await readObject(segment.thumbnail_key);
    if (bytes) dressed.thumbnail_base64 = Buffer.from(bytes).toString('base64');
  }
  return dressed;
}

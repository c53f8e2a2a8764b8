import { availableParallelism } from 'node:os';
import { connect, Index, makeArrowTable, type Connection, type FullTextQuery, type Table } from '@lancedb/lancedb';
import { DataType, type Schema } from 'apache-arrow';
import { isFaultArmed } from '#lib/faults';
import { keyedQueue, type KeyedQueue } from '#lib/keyed-queue';
import { logWarn } from '#lib/log';
import { cosine } from '#lib/ml/vectors';
import {
  containsEvery,
  exactQuery,
  gramIndex,
  gramQuery,
  gramTerms,
  queryTerms,
  spellingIndex,
  unmatchedTerms,
  wordIndex,
  wordQuery,
} from '#lib/search/lance-text-query';
import {
  FRAME_COLUMNS,
  FRAMES_TABLE_PREFIX,
  TEXT_COLUMNS,
  TEXT_TABLE,
  frameRecord,
  framesSchema,
  framesTableName,
  plainRecords,
  rowFromFrame,
  rowFromText,
  scopeFilter,
  scoreAt,
  sqlList,
  sqlString,
  textRecord,
  textSchema,
  videoFilter,
} from '#lib/search/lance-tables';
import {
  IndexUnavailableError,
  type FrameWithVector,
  type Scope,
  type SearchIndex,
  type SegmentHit,
  type SegmentRow,
  type SegmentType,
  type TableMaintenance,
  type TextSegmentRow,
} from '#lib/search/types';

export type { TableMaintenance } from '#lib/search/types';

/**
 * Lance sizes its CPU pool at (cores − 2), at least 1: on hosts with ≤ 3 cores (these machines,
 * a 1–2 vCPU Lambda) a single thread, on which full-text index builds and writes can deadlock
 * (lance-format/lance#7423; measured here: `add` and `createIndex` hung forever at 0 % CPU, every
 * thread parked). More threads than cores avoids it; read when Lance first runs, so set here.
 */
process.env.LANCE_CPU_THREADS ??= String(Math.max(8, availableParallelism()));

export interface VectorIndexSettings {
  /** IVF_HNSW_SQ (a graph per partition, 8-bit scalar quantisation), or IVF_PQ (product quantisation; fills filtered queries badly). */
  kind: 'ivf_hnsw_sq' | 'ivf_pq';
  /** Below this many rows a flat search is exact and fast enough: no vector index. */
  minRows: number;
  /** A vector index is trained again once the table has grown this many times past its training. */
  retrainGrowth: number;
  /** IVF partitions searched per query (more: better recall, slower). */
  nprobes: number;
  /** Candidates re-ranked with the exact vectors: `limit × refineFactor`; also makes `_distance` exact. */
  refineFactor: number;
  /** HNSW candidates per query (IVF_HNSW_SQ only); raised to `limit × refineFactor` when lower, as LanceDB requires. */
  ef: number;
}

export interface LanceSearchIndexOptions {
  /** LanceDB object-store options (S3 endpoint, region, credentials…), over DEFAULT_STORAGE_OPTIONS; see the class comment. */
  storageOptions?: Record<string, string>;
  /** Reads slower than this answer IndexUnavailableError. Default 2000 ms. */
  timeoutMs?: number;
  /**
   * How stale a reader's view of a table may be, in seconds, before it checks storage for newer
   * commits (by other processes). 0 (default) checks on every read.
   */
  readConsistencySeconds?: number;
  /** Versions younger than this survive `optimize()` (readers may still be on them). Default 1 h. */
  keepVersionsMs?: number;
  /**
   * Optimise the text table after each replaceVideo (default true), so that typo matching sees
   * the new rows at once; costs a rewrite of the text table per write (see the bench). When
   * false, new rows are found by exact words and partial words until the next `optimize()`.
   */
  optimizeTextAfterWrite?: boolean;
  vectorIndex?: Partial<VectorIndexSettings>;
}

export const DEFAULT_VECTOR_INDEX: VectorIndexSettings = {
  kind: 'ivf_hnsw_sq',
  minRows: 10_000,
  retrainGrowth: 4,
  nprobes: 20,
  refineFactor: 2,
  ef: 100,
};

const DEFAULT_TIMEOUT_MS = 2_000;

/**
 * Object-store client settings for a remote store (S3), under the caller's storage options.
 * object_store waits 30 s for a request by default, so one stalled PUT held a write for 30 s
 * before its retry; a request that has not answered in 5 s (a small S3 request takes
 * milliseconds, a 5 MB part well under a second from Lambda) is abandoned and retried with
 * object_store's back-off instead.
 */
export const DEFAULT_STORAGE_OPTIONS: Readonly<Record<string, string>> = { connect_timeout: '2s', timeout: '5s' };
const DEFAULT_KEEP_VERSIONS_MS = 60 * 60 * 1000;
const VECTOR_INDEX_PREFIX = 'vector_idx_';

/** Whether `location` names a store by URI (`s3://…`, `s3+ddb://…`, `file://…`) rather than a local path. */
export function isStoreUri(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//.test(location);
}

/** One connection per (uri, options) in a process, with its open tables and per-table write queues. */
interface Store {
  connection: Connection;
  tables: Map<string, Promise<Table>>;
  prepared: Set<string>;
  writes: KeyedQueue;
  /** The last listing of table names, for readers that may be as stale as `readConsistencySeconds`. */
  listed?: { at: number; names: string[] };
}

const stores = new Map<string, Promise<Store>>();

function storeFor(uri: string, options: LanceSearchIndexOptions): Promise<Store> {
  // A local directory has no HTTP client to configure.
  const defaults = isStoreUri(uri) && !uri.startsWith('file://') ? DEFAULT_STORAGE_OPTIONS : {};
  const storageOptions = Object.entries({ ...defaults, ...options.storageOptions }).sort(([a], [b]) => a.localeCompare(b));
  const key = JSON.stringify([uri, storageOptions, options.readConsistencySeconds ?? 0]);
  const existing = stores.get(key);
  if (existing !== undefined) return existing;
  const opening = connect(uri, {
    storageOptions: Object.fromEntries(storageOptions),
    readConsistencyInterval: options.readConsistencySeconds ?? 0,
    manifestEnabled: true,
  }).then((connection): Store => ({ connection, tables: new Map(), prepared: new Set(), writes: keyedQueue() }));
  // A failed connect is not remembered: the next call tries again.
  opening.catch(() => stores.delete(key));
  stores.set(key, opening);
  return opening;
}

function isTableMissing(error: unknown): boolean {
  return error instanceof Error && /was not found|table not found/i.test(error.message);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0]?.slice(0, 500) ?? error.name) : String(error);
}

type FrameRow = SegmentRow & { vector: Float32Array };

interface SplitRows {
  text: SegmentRow[];
  /** Frame rows by the table of their embedder and dimension. */
  frames: Map<string, { dimension: number; rows: FrameRow[] }>;
}

function splitRows(accountId: string, videoId: string, rows: readonly SegmentRow[]): SplitRows {
  // The last row with an id wins, as if the rows had been written one after another.
  const byId = new Map<string, SegmentRow>();
  for (const row of rows) {
    if (row.account_id !== accountId || row.video_id !== videoId) {
      throw new Error(`replaceVideo(${accountId}, ${videoId}) was given row ${row.id} of ${row.account_id}/${row.video_id}`);
    }
    byId.set(row.id, row);
  }
  const split: SplitRows = { text: [], frames: new Map() };
  for (const row of byId.values()) {
    if (row.type !== 'frame') {
      split.text.push(row);
      continue;
    }
    const vector = row.vector;
    if (vector === null || vector.length === 0 || row.embedder === '') throw new Error(`frame row ${row.id} has no vector or no embedder`);
    const table = framesTableName(row.embedder, vector.length);
    const group = split.frames.get(table) ?? { dimension: vector.length, rows: [] };
    group.rows.push({ ...row, vector });
    split.frames.set(table, group);
  }
  return split;
}

/**
 * The SearchIndex on LanceDB (embedded): a local directory, or an S3 prefix in AWS.
 *
 * S3: `open('s3://bucket/prefix', { storageOptions })` passes the options to LanceDB's object
 * store, e.g. `{ aws_region: 'us-east-1' }` with credentials from the Lambda role (the default
 * AWS chain), or for an S3-compatible server `{ aws_endpoint: 'http://127.0.0.1:4569',
 * aws_access_key_id, aws_secret_access_key, aws_region, allow_http: 'true' }`. Commits on S3
 * rely on conditional PUT (If-None-Match), which real S3 has; s3rver ignores it, so against the
 * stand-in only one writer at a time is safe. Table names come from LanceDB's directory
 * manifest (`manifestEnabled`), not from a delimiter LIST, which s3rver answers wrongly.
 *
 * Writes: `replaceVideo` swaps a video's rows with one merge-insert commit per table; readers
 * see the old rows or the new ones. Writes to one table are serialised within the process;
 * across processes LanceDB retries conflicting commits.
 *
 * Reads: every filter carries the account; vector search uses cosine distance with the filter
 * applied before the k-NN (prefilter), so a small account still gets `limit` hits.
 */
export class LanceSearchIndex implements SearchIndex {
  private readonly timeoutMs: number;
  private readonly keepVersionsMs: number;
  private readonly vector: VectorIndexSettings;

  private constructor(
    private readonly uri: string,
    private readonly options: LanceSearchIndexOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.keepVersionsMs = options.keepVersionsMs ?? DEFAULT_KEEP_VERSIONS_MS;
    this.vector = { ...DEFAULT_VECTOR_INDEX, ...options.vectorIndex };
  }

  /** Connects lazily, on first use; opens of the same uri and options share one connection. */
  static open(uri: string, options: LanceSearchIndexOptions = {}): LanceSearchIndex {
    return new LanceSearchIndex(uri, options);
  }

  // ---- writes ----

  async replaceVideo(accountId: string, videoId: string, rows: readonly SegmentRow[]): Promise<void> {
    const split = splitRows(accountId, videoId, rows);
    const filter = videoFilter(accountId, videoId);
    await this.writing(async (store) => {
      for (const [name, group] of split.frames) {
        await this.swapRows(store, name, framesSchema(group.dimension), group.rows.map(frameRecord), filter);
      }
      // Frames indexed before with another embedder (a reindex) leave their old table.
      for (const name of await this.framesTables(store, 'write')) {
        if (!split.frames.has(name)) await this.deleteRows(store, name, filter);
      }
      if (split.text.length > 0) await this.swapRows(store, TEXT_TABLE, textSchema, split.text.map(textRecord), filter);
      else await this.deleteRows(store, TEXT_TABLE, filter);
    });
  }

  async deleteVideo(accountId: string, videoId: string): Promise<void> {
    await this.deleteEverywhere(videoFilter(accountId, videoId));
  }

  async deleteAccount(accountId: string): Promise<void> {
    await this.deleteEverywhere(scopeFilter({ accountId }));
  }

  /**
   * Maintenance, for a scheduled job: compacts small fragments, brings every index up to date
   * with the rows written since, creates (or retrains) the vector index of frames tables that
   * have grown past `vectorIndex.minRows`, and removes versions older than `keepVersionsMs`.
   */
  async optimize(): Promise<TableMaintenance[]> {
    return this.writing(async (store) => {
      const reports: TableMaintenance[] = [];
      for (const name of [TEXT_TABLE, ...(await this.framesTables(store, 'write'))]) {
        const report = await this.serialised(store, name, () => this.optimizeTable(store, name));
        if (report !== undefined) reports.push(report);
      }
      return reports;
    });
  }

  // ---- reads ----

  /**
   * Opens every table and runs one vector and one full-text query, with no deadline. A fresh
   * process's first read loads the tables' indexes, which took 1.6–3 s on a 100-hour library
   * (bench/search-http.ts) — past the read deadline, so a cold search would answer 503. Best
   * effort: a failure here only means the first real read pays that cost.
   */
  async warm(): Promise<void> {
    try {
      const store = await this.store();
      const text = await this.existingTable(store, TEXT_TABLE);
      await text?.query().fullTextSearch('warm').limit(1).toArray();
      for (const name of await this.framesTables(store, 'read')) {
        const frames = await this.existingTable(store, name);
        const vector = frames && (await frames.schema()).fields.find((field) => field.name === 'vector');
        const dimension = vector && DataType.isFixedSizeList(vector.type) ? vector.type.listSize : 0;
        if (!frames || dimension === 0) continue;
        const probe = new Float32Array(dimension);
        probe[0] = 1;
        await frames.vectorSearch(probe).distanceType('cosine').limit(1).toArray();
      }
    } catch (error) {
      logWarn('search index: warming failed', { error: messageOf(error) });
    }
  }

  async nearestFrames(scope: Scope, embedder: string, vector: Float32Array, limit: number, refineWith?: Float32Array): Promise<SegmentHit[]> {
    // A programming error, not an index that cannot answer: thrown as it is, not as IndexUnavailableError.
    if (refineWith && refineWith.length !== vector.length) {
      throw new RangeError(`nearestFrames: the refining vector has ${refineWith.length} dimensions, the query ${vector.length}`);
    }
    return this.reading('nearestFrames', async (store) => {
      if (limit <= 0 || vector.length === 0) return [];
      const table = await this.existingTable(store, framesTableName(embedder, vector.length));
      if (table === undefined) return [];
      const batch = await table
        .vectorSearch(vector)
        .distanceType('cosine')
        .where(scopeFilter(scope))
        .nprobes(this.vector.nprobes)
        .refineFactor(this.vector.refineFactor)
        .ef(Math.max(this.vector.ef, limit * this.vector.refineFactor))
        .select(refineWith ? [...FRAME_COLUMNS, 'vector', '_distance'] : [...FRAME_COLUMNS, '_distance'])
        .limit(limit)
        .toArrow({ timeoutMs: this.timeoutMs });
      return plainRecords(batch).map((record: Record<string, unknown>) => ({
        row: rowFromFrame(record),
        raw_score: Math.max(-1, Math.min(1, 1 - scoreAt(record, '_distance'))),
        ...(refineWith ? { refined_score: refinedScore(record.vector, refineWith) } : {}),
      }));
    });
  }

  async matchText(scope: Scope, types: readonly Exclude<SegmentType, 'frame'>[], query: string, limit: number): Promise<SegmentHit[]> {
    return this.reading('matchText', async (store) => {
      const terms = queryTerms(query);
      if (limit <= 0 || types.length === 0 || terms.length === 0) return [];
      const table = await this.existingTable(store, TEXT_TABLE);
      if (table === undefined) return [];
      const filter = `${scopeFilter(scope)} AND type IN ${sqlList(types)}`;
      const exact = await this.fullText(table, exactQuery(terms, 'text'), filter, limit);
      const unmatched = unmatchedTerms(
        terms,
        exact.map((hit) => hit.row.text),
      );
      const words =
        unmatched.length === 0 ? exact : await this.fullText(table, wordQuery(terms, { stemmed: 'text', unstemmed: 'words' }, unmatched), filter, limit);
      const partial = gramTerms(terms);
      if (words.length > 0 || partial.length === 0) return words;
      const grams = await this.fullText(table, gramQuery(partial, 'grams'), filter, limit * 2);
      return grams.filter((hit) => containsEvery(hit.row.text, partial)).slice(0, limit);
    });
  }

  async countTextRows(accountId: string): Promise<number> {
    return this.reading('countTextRows', async (store) => {
      const table = await this.existingTable(store, TEXT_TABLE);
      return table === undefined ? 0 : table.countRows(scopeFilter({ accountId }));
    });
  }

  async textRows(accountId: string): Promise<TextSegmentRow[]> {
    return this.reading('textRows', async (store) => {
      const table = await this.existingTable(store, TEXT_TABLE);
      if (table === undefined) return [];
      const batch = await table
        .query()
        .where(`${scopeFilter({ accountId })} AND type IN ${sqlList(['transcript', 'ocr'])}`)
        .select(TEXT_COLUMNS.filter((column) => column !== 'words_json'))
        .toArrow({ timeoutMs: this.timeoutMs });
      return plainRecords(batch).map((record): TextSegmentRow => {
        const { words_json: _words, embedder: _embedder, ...row } = rowFromText({ ...record, words_json: '' });
        return { ...row, type: row.type === 'ocr' ? 'ocr' : 'transcript' };
      });
    });
  }

  async frameVectors(scope: Scope, embedder: string): Promise<FrameWithVector[]> {
    return this.reading('frameVectors', async (store) => {
      const frames: FrameWithVector[] = [];
      for (const name of await this.framesTables(store, 'read')) {
        const table = await this.existingTable(store, name);
        if (table === undefined) continue;
        const batch = await table
          .query()
          .where(`${scopeFilter(scope)} AND embedder = ${sqlString(embedder)}`)
          .select([...FRAME_COLUMNS, 'vector'])
          .toArrow({ timeoutMs: this.timeoutMs });
        for (const record of plainRecords(batch)) {
          const vector = vectorOf(record.vector);
          if (vector) frames.push({ ...rowFromFrame(record), vector });
        }
      }
      return frames;
    });
  }

  async videoSegments(accountId: string, videoId: string, types: readonly SegmentType[]): Promise<Omit<SegmentRow, 'vector'>[]> {
    return this.reading('videoSegments', async (store) => {
      const filter = videoFilter(accountId, videoId);
      const rows: Omit<SegmentRow, 'vector'>[] = [];
      const textTypes = types.filter((type) => type !== 'frame');
      const text = textTypes.length > 0 ? await this.existingTable(store, TEXT_TABLE) : undefined;
      if (text !== undefined) {
        const records = await text
          .query()
          .where(`${filter} AND type IN ${sqlList(textTypes)}`)
          .select(TEXT_COLUMNS)
          .toArrow({ timeoutMs: this.timeoutMs });
        rows.push(...plainRecords(records).map(rowFromText));
      }
      if (types.includes('frame')) {
        for (const name of await this.framesTables(store, 'read')) {
          const frames = await this.existingTable(store, name);
          if (frames === undefined) continue;
          const records = await frames.query().where(filter).select(FRAME_COLUMNS).toArrow({ timeoutMs: this.timeoutMs });
          rows.push(...plainRecords(records).map(rowFromFrame));
        }
      }
      return rows.sort((a, b) => a.start_secs - b.start_secs || a.type.localeCompare(b.type) || a.id.localeCompare(b.id));
    });
  }

  async countSegments(accountId: string, videoId: string): Promise<number> {
    return this.reading('countSegments', async (store) => {
      let count = 0;
      for (const name of [TEXT_TABLE, ...(await this.framesTables(store, 'read'))]) {
        const table = await this.existingTable(store, name);
        if (table !== undefined) count += await table.countRows(videoFilter(accountId, videoId));
      }
      return count;
    });
  }

  // ---- queries ----

  /**
   * Hits without their word times: search and suggestions need the text, and reading `words_json`
   * of 200 hits cost ~9 ms of a 17 ms query (100-hour library).
   */
  private async fullText(table: Table, query: FullTextQuery, filter: string, limit: number): Promise<SegmentHit[]> {
    const records = await table
      .query()
      .fullTextSearch(query)
      .where(filter)
      .select([...TEXT_COLUMNS.filter((column) => column !== 'words_json'), '_score'])
      .limit(limit)
      .toArrow({ timeoutMs: this.timeoutMs });
    return plainRecords(records).map((record: Record<string, unknown>) => ({
      row: rowFromText({ ...record, words_json: '' }),
      raw_score: scoreAt(record, '_score'),
    }));
  }

  // ---- writing ----

  /** Makes `records` the rows matching `filter`: one merge-insert commit (matched: updated, new: inserted, others: deleted). */
  private async swapRows(store: Store, name: string, schema: Schema, records: Record<string, unknown>[], filter: string): Promise<void> {
    await this.serialised(store, name, async () => {
      const table = await this.writableTable(store, name, schema);
      // The key carries account and video, so a row id of another tenant can never be matched.
      await table
        .mergeInsert(['account_id', 'video_id', 'id'])
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .whenNotMatchedBySourceDelete({ where: filter })
        .execute(makeArrowTable(records, { schema }));
      await this.refreshAfterWrite(name, table);
    });
  }

  /** Deletes without an empty commit when nothing matches (the count uses the scalar indexes). */
  private async deleteRows(store: Store, name: string, filter: string): Promise<void> {
    await this.serialised(store, name, async () => {
      const table = await this.existingTable(store, name);
      if (table === undefined || (await table.countRows(filter)) === 0) return;
      await table.delete(filter);
    });
  }

  private async deleteEverywhere(filter: string): Promise<void> {
    await this.writing(async (store) => {
      for (const name of [TEXT_TABLE, ...(await this.framesTables(store, 'write'))]) await this.deleteRows(store, name, filter);
    });
  }

  /**
   * New text rows are found by exact words at once (LanceDB searches unindexed rows flat), but
   * fuzzy matching only sees indexed rows: the text table's indexes are brought up to date after
   * each write. Frames need nothing: unindexed vectors are searched flat, exactly.
   */
  private async refreshAfterWrite(name: string, table: Table): Promise<void> {
    if (name !== TEXT_TABLE || this.options.optimizeTextAfterWrite === false) return;
    try {
      await table.optimize({ cleanupOlderThan: new Date(Date.now() - this.keepVersionsMs) });
    } catch (error) {
      // The rows are committed; a refresh lost to a concurrent writer waits for the next optimize().
      logWarn('search index: optimising the text table after a write failed', { table: name, error });
    }
  }

  private async optimizeTable(store: Store, name: string): Promise<TableMaintenance | undefined> {
    const started = performance.now();
    const table = await this.existingTable(store, name);
    if (table === undefined) return undefined;
    await this.prepareTable(store, name, table);
    const before = await table.stats();
    await table.optimize({ cleanupOlderThan: new Date(Date.now() - this.keepVersionsMs) });
    // After compaction, so that a new vector index is built on the final fragments (no remap later).
    const vectorIndex = name === TEXT_TABLE ? 'none' : await this.maintainVectorIndex(table, before.numRows);
    const after = await table.stats();
    return {
      table: name,
      rows: after.numRows,
      fragmentsBefore: before.fragmentStats.numFragments,
      fragmentsAfter: after.fragmentStats.numFragments,
      vectorIndex,
      millis: Math.round(performance.now() - started),
    };
  }

  /** The index name records how many rows it was trained on, so growth can be measured later. */
  private async maintainVectorIndex(table: Table, rows: number): Promise<TableMaintenance['vectorIndex']> {
    const existing = (await table.listIndices()).filter((index) => index.name.startsWith(VECTOR_INDEX_PREFIX));
    const trainedOn = Math.max(0, ...existing.map((index) => Number(index.name.slice(VECTOR_INDEX_PREFIX.length)) || 0));
    if (rows < this.vector.minRows) return existing.length > 0 ? 'kept' : 'none';
    if (existing.length > 0 && rows < trainedOn * this.vector.retrainGrowth) return 'kept';
    await table.createIndex('vector', { config: vectorIndexConfig(this.vector.kind, rows), name: `${VECTOR_INDEX_PREFIX}${rows}`, replace: true });
    for (const index of existing) await table.dropIndex(index.name);
    return existing.length > 0 ? 'retrained' : 'created';
  }

  // ---- tables ----

  private async existingTable(store: Store, name: string): Promise<Table | undefined> {
    const cached = store.tables.get(name);
    if (cached !== undefined) return cached;
    try {
      const table = await store.connection.openTable(name);
      if (!store.tables.has(name)) store.tables.set(name, Promise.resolve(table));
      return table;
    } catch (error) {
      if (isTableMissing(error)) return undefined;
      throw error;
    }
  }

  /** Opens or creates the table (lazily, on its first write) and gives it its indexes. */
  private async writableTable(store: Store, name: string, schema: Schema): Promise<Table> {
    const table = (await this.existingTable(store, name)) ?? (await this.createTable(store, name, schema));
    await this.prepareTable(store, name, table);
    return table;
  }

  private async createTable(store: Store, name: string, schema: Schema): Promise<Table> {
    const creating = store.connection.createEmptyTable(name, schema, { existOk: true });
    store.tables.set(name, creating);
    store.listed = undefined;
    creating.catch(() => store.tables.delete(name));
    return creating;
  }

  /**
   * Scalar indexes for the filters, full-text indexes on the text table; once per table and process.
   * An index of another kind than wanted (a table made before the kind changed) is replaced.
   */
  private async prepareTable(store: Store, name: string, table: Table): Promise<void> {
    if (store.prepared.has(name)) return;
    const present = new Map((await table.listIndices()).map((index) => [index.name, index.indexType]));
    const wanted: Array<{ column: string; kind: string; index: () => Index }> = [
      // Every query filters by account (and often by collection). A B-tree rebuilds the row mask of
      // the matching rows on each query — for an account with 180 000 frames, most of a k-NN's
      // time; a bitmap index keeps that mask (k-NN limit 200, 100-hour library: 11.3 → 8.0 ms).
      // Rows arrive video by video, so each account's and collection's bitmap is a few runs.
      { column: 'account_id', kind: 'Bitmap', index: () => Index.bitmap() },
      { column: 'collection_id', kind: 'Bitmap', index: () => Index.bitmap() },
      // One value per few hundred rows: a B-tree.
      { column: 'video_id', kind: 'BTree', index: () => Index.btree() },
    ];
    if (name === TEXT_TABLE) {
      wanted.push(
        // Every text query filters by type too; unindexed, that filter read the column of every row
        // (1 000-hour account, exact words: 88 ms p50; with the bitmap 7 ms).
        { column: 'type', kind: 'Bitmap', index: () => Index.bitmap() },
        { column: 'text', kind: 'FTS', index: wordIndex },
        { column: 'words', kind: 'FTS', index: spellingIndex },
        { column: 'grams', kind: 'FTS', index: gramIndex },
      );
    }
    for (const { column, kind, index } of wanted) {
      const presentKind = present.get(`${column}_idx`);
      if (presentKind === kind) continue;
      await table.createIndex(column, { config: index(), name: `${column}_idx`, replace: presentKind !== undefined });
    }
    store.prepared.add(name);
  }

  /** Writers list afresh; readers accept a listing as old as their read consistency allows. */
  private async framesTables(store: Store, purpose: 'read' | 'write'): Promise<string[]> {
    const maxAgeMs = purpose === 'read' ? (this.options.readConsistencySeconds ?? 0) * 1000 : 0;
    if (store.listed === undefined || Date.now() - store.listed.at > maxAgeMs) {
      const names: string[] = [];
      const page = 100;
      for (;;) {
        const last = names.at(-1);
        const batch = await store.connection.tableNames(last === undefined ? { limit: page } : { limit: page, startAfter: last });
        names.push(...batch);
        if (batch.length < page) break;
      }
      store.listed = { at: Date.now(), names };
    }
    return store.listed.names.filter((name) => name.startsWith(FRAMES_TABLE_PREFIX)).sort();
  }

  // ---- guards ----

  private store(): Promise<Store> {
    return storeFor(this.uri, this.options);
  }

  private async writing<T>(work: (store: Store) => Promise<T>): Promise<T> {
    try {
      return await work(await this.store());
    } catch (error) {
      if (error instanceof IndexUnavailableError) throw error;
      throw new IndexUnavailableError(`search index write failed: ${messageOf(error)}`);
    }
  }

  /** The fault switch, engine errors and the deadline all answer IndexUnavailableError. */
  private async reading<T>(operation: string, work: (store: Store) => Promise<T>): Promise<T> {
    if (isFaultArmed('search_index_unavailable')) throw new IndexUnavailableError(`${operation}: search index unavailable (fault switch)`);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new IndexUnavailableError(`${operation}: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([this.store().then(work), deadline]);
    } catch (error) {
      if (error instanceof IndexUnavailableError) throw error;
      throw new IndexUnavailableError(`${operation}: ${messageOf(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs `work` after every earlier write to the same table in this process has finished. */
  private serialised<T>(store: Store, name: string, work: () => Promise<T>): Promise<T> {
    return store.writes(name, work);
  }
}

/**
 * IVF_HNSW_SQ by default (measured on 180 000 clustered 512-d rows filtered to one account: recall@50
 * 1.000 with every query filled; IVF_PQ at nprobes 10–40 filled only 5–50 of 50 for small accounts,
 * recall@50 0.49–0.85). efConstruction 150 builds 3× faster than the default 300 at equal recall.
 * One partition up to a million rows: with several, every `optimize()` of LanceDB 0.31 rebuilds the
 * whole index even when nothing changed (measured: 15.8 s each at 40 000 rows and 4 partitions,
 * 6 ms with one); beyond, one graph per million rows bounds the memory of a build.
 */
function vectorIndexConfig(kind: VectorIndexSettings['kind'], rows: number): Index {
  if (kind === 'ivf_pq') return Index.ivfPq({ distanceType: 'cosine', numPartitions: Math.max(1, Math.round(Math.sqrt(rows))) });
  return Index.hnswSq({ distanceType: 'cosine', numPartitions: Math.max(1, Math.ceil(rows / 1_000_000)), efConstruction: 150 });
}

/**
 * A found row's cosine to the refining vector, from its stored vector as Arrow returns it (-1 when
 * it has none). Checked by shape: LanceDB's Arrow classes are not necessarily this module's.
 */
function refinedScore(stored: unknown, refineWith: Float32Array): number {
  const values = vectorOf(stored);
  return values ? cosine(values, refineWith) : -1;
}

/** A stored vector column's value as a Float32Array (Arrow hands a vector back), or undefined. */
function vectorOf(stored: unknown): Float32Array | undefined {
  const values: unknown =
    typeof stored === 'object' && stored !== null && 'toArray' in stored && typeof stored.toArray === 'function' ? stored.toArray() : stored;
  return values instanceof Float32Array ? values : undefined;
}

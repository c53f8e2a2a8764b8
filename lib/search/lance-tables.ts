import type { Table as ArrowTable } from 'apache-arrow';
import { createHash } from 'node:crypto';
import { Field, FixedSizeList, Float32, Float64, Schema, Utf8 } from 'apache-arrow';
import type { Scope, SegmentRow, SegmentType } from '#lib/search/types';

/**
 * How SegmentRows are laid out in LanceDB. Transcript and OCR rows share one table (`segments_text`)
 * with full-text indexes; frame rows live in one table per embedder and dimension, because a
 * vector column has one fixed size per table and vectors of different embedders must never be
 * compared with each other.
 */
export const TEXT_TABLE = 'segments_text';
export const FRAMES_TABLE_PREFIX = 'frames_';

/** Row columns the index returns (never the vector: callers only need ids, times and text). */
export const TEXT_COLUMNS = ['id', 'account_id', 'collection_id', 'video_id', 'type', 'start_secs', 'end_secs', 'text', 'words_json', 'thumbnail_key'];
export const FRAME_COLUMNS = ['id', 'account_id', 'collection_id', 'video_id', 'start_secs', 'end_secs', 'thumbnail_key', 'embedder'];

/** Lance table names allow [A-Za-z0-9_.-]; the hash keeps ids that slug alike (`a-b`, `a_b`) apart. */
export function framesTableName(embedder: string, dimension: number): string {
  const slug = embedder
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 48);
  const hash = createHash('sha256').update(embedder).digest('hex').slice(0, 8);
  return `${FRAMES_TABLE_PREFIX}${slug}_${hash}_d${dimension}`;
}

const text = (name: string) => new Field(name, new Utf8(), false);
const seconds = (name: string) => new Field(name, new Float64(), false);

export const textSchema = new Schema([
  text('id'),
  text('account_id'),
  text('collection_id'),
  text('video_id'),
  text('type'),
  seconds('start_secs'),
  seconds('end_secs'),
  text('text'),
  text('words_json'),
  text('thumbnail_key'),
  // The same text twice more, for the unstemmed and the trigram index (one full-text index per column).
  text('words'),
  text('grams'),
]);

export function framesSchema(dimension: number): Schema {
  return new Schema([
    text('id'),
    text('account_id'),
    text('collection_id'),
    text('video_id'),
    seconds('start_secs'),
    seconds('end_secs'),
    text('thumbnail_key'),
    text('embedder'),
    new Field('vector', new FixedSizeList(dimension, new Field('item', new Float32(), true)), false),
  ]);
}

export function textRecord(row: SegmentRow): Record<string, unknown> {
  return {
    id: row.id,
    account_id: row.account_id,
    collection_id: row.collection_id,
    video_id: row.video_id,
    type: row.type,
    start_secs: row.start_secs,
    end_secs: row.end_secs,
    text: row.text,
    words_json: row.words_json,
    thumbnail_key: row.thumbnail_key,
    words: row.text,
    grams: row.text,
  };
}

export function frameRecord(row: SegmentRow & { vector: Float32Array }): Record<string, unknown> {
  return {
    id: row.id,
    account_id: row.account_id,
    collection_id: row.collection_id,
    video_id: row.video_id,
    start_secs: row.start_secs,
    end_secs: row.end_secs,
    thumbnail_key: row.thumbnail_key,
    embedder: row.embedder,
    vector: row.vector,
  };
}

/** LanceDB hands rows back untyped; these read one column and fail loudly on a schema drift. */
function stringAt(record: Record<string, unknown>, column: string): string {
  const value = record[column];
  if (typeof value !== 'string') throw new Error(`index row column ${column} is ${typeof value}, expected string`);
  return value;
}

function numberAt(record: Record<string, unknown>, column: string): number {
  const value = record[column];
  if (typeof value !== 'number') throw new Error(`index row column ${column} is ${typeof value}, expected number`);
  return value;
}

function segmentType(value: string): SegmentType {
  if (value === 'frame' || value === 'transcript' || value === 'ocr') return value;
  throw new Error(`index row has unknown segment type ${value}`);
}

export function rowFromText(record: Record<string, unknown>): Omit<SegmentRow, 'vector'> {
  return {
    id: stringAt(record, 'id'),
    account_id: stringAt(record, 'account_id'),
    collection_id: stringAt(record, 'collection_id'),
    video_id: stringAt(record, 'video_id'),
    type: segmentType(stringAt(record, 'type')),
    start_secs: numberAt(record, 'start_secs'),
    end_secs: numberAt(record, 'end_secs'),
    text: stringAt(record, 'text'),
    words_json: stringAt(record, 'words_json'),
    thumbnail_key: stringAt(record, 'thumbnail_key'),
    embedder: '',
  };
}

export function rowFromFrame(record: Record<string, unknown>): Omit<SegmentRow, 'vector'> {
  return {
    id: stringAt(record, 'id'),
    account_id: stringAt(record, 'account_id'),
    collection_id: stringAt(record, 'collection_id'),
    video_id: stringAt(record, 'video_id'),
    type: 'frame',
    start_secs: numberAt(record, 'start_secs'),
    end_secs: numberAt(record, 'end_secs'),
    text: '',
    words_json: '',
    thumbnail_key: stringAt(record, 'thumbnail_key'),
    embedder: stringAt(record, 'embedder'),
  };
}

export function scoreAt(record: Record<string, unknown>, column: '_distance' | '_score'): number {
  return numberAt(record, column);
}

/**
 * A SQL string literal for LanceDB filters (DataFusion syntax): quotes are doubled and nothing
 * else is special — backslashes are literal (measured), so every value round-trips unchanged.
 */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function sqlList(values: readonly string[]): string {
  return `(${values.map(sqlString).join(', ')})`;
}

/** Every filter starts with the account: no query can reach another tenant's rows. */
export function scopeFilter(scope: Scope): string {
  const clauses = [`account_id = ${sqlString(scope.accountId)}`];
  if (scope.collectionId !== undefined) clauses.push(`collection_id = ${sqlString(scope.collectionId)}`);
  if (scope.videoId !== undefined) clauses.push(`video_id = ${sqlString(scope.videoId)}`);
  return clauses.join(' AND ');
}

export function videoFilter(accountId: string, videoId: string): string {
  return scopeFilter({ accountId, videoId });
}

/**
 * An Arrow answer as plain objects, read column by column. LanceDB's `toArray()` hands out proxy
 * rows whose fields are looked up one at a time: 84 000 text rows took ~1 s that way, ten times
 * the query, and a page of 200 k-NN hits ~2 ms.
 */
export function plainRecords(table: ArrowTable): Record<string, unknown>[] {
  const columns = table.schema.fields.map((field) => [field.name, table.getChild(field.name)] as const);
  return Array.from({ length: table.numRows }, (_, at) => {
    const record: Record<string, unknown> = {};
    for (const [name, vector] of columns) record[name] = vector?.get(at);
    return record;
  });
}

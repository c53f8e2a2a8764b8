import { newId } from '#lib/ids';
import { now } from '#lib/clock';
import { AppError } from '#lib/errors';
import { throwIfArmed } from '#lib/faults';
import { host } from '#lib/hosts/host';
import type { Page, PageRequest } from '#lib/pagination';
import { getAccount } from '#lib/db/accounts';
import { keys } from '#lib/db/keys';
import { collectionThumbnailUrls, purgeVideoById } from '#lib/videos/videos';
import {
  deleteCollectionRecord,
  deleteOwnedRows,
  getCollectionRecord,
  insertCollection,
  readCollectionsPage,
  listDeletingCollections,
  listOwnedItemKeys,
  markCollectionDeleting,
  updateCollectionName,
  type CollectionRecord,
} from '#lib/db/collections';

/** `user_id` is the owning account's id: PureFrame's shape names the owner so (api.md, Collections). */
export interface CollectionDetail {
  id: string;
  user_id: string;
  name: string;
  created_at: string;
  video_count: number;
  total_duration_secs: number;
  storage_bytes: number;
}

export interface CollectionListItem {
  id: string;
  user_id: string;
  name: string;
  created_at: string;
  video_count: number;
  thumbnail_urls: string[];
}

/** Names are unique per account regardless of case and surrounding/repeated spaces. */
export function nameKeyOf(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** What a collection's detail and its list item both show. */
function collectionFields(record: CollectionRecord) {
  return {
    id: record.collection_id,
    user_id: record.account_id,
    name: record.name,
    created_at: record.created_at,
    video_count: record.video_count,
  };
}

function toDetail(record: CollectionRecord): CollectionDetail {
  return { ...collectionFields(record), total_duration_secs: record.total_duration_secs, storage_bytes: record.storage_bytes };
}

function toListItem(record: CollectionRecord, thumbnailUrls: string[]): CollectionListItem {
  return { ...collectionFields(record), thumbnail_urls: thumbnailUrls };
}

/** A collection the caller may see: missing, another account's and being-deleted all look the same. */
export async function requireCollection(accountId: string, collectionId: string): Promise<CollectionRecord> {
  const record = await getCollectionRecord(accountId, collectionId);
  if (!record || record.status !== 'active') throw new AppError('COLLECTION_NOT_FOUND');
  return record;
}

export async function createCollection(accountId: string, name: string): Promise<CollectionDetail> {
  const createdAt = now().toISOString();
  const record: CollectionRecord = {
    collection_id: newId('collection'),
    account_id: accountId,
    name,
    name_key: nameKeyOf(name),
    status: 'active',
    created_at: createdAt,
    updated_at: createdAt,
    video_count: 0,
    total_duration_secs: 0,
    storage_bytes: 0,
    thumbnail_keys: [],
  };
  await insertCollection(record);
  return toDetail(record);
}

export async function getCollection(accountId: string, collectionId: string): Promise<CollectionDetail> {
  return toDetail(await requireCollection(accountId, collectionId));
}

/** GET /v1/collections: a page read by key condition; the total from the account's counter. */
export async function listCollections(accountId: string, request: PageRequest): Promise<Page<CollectionListItem>> {
  const [page, account] = await Promise.all([
    readCollectionsPage(accountId, { limit: request.perPage, skip: request.skip, after: request.after }),
    getAccount(accountId),
  ]);
  const thumbnails = await collectionThumbnailUrls(accountId, page.items);
  return {
    items: page.items.map((record) => toListItem(record, thumbnails.get(record.collection_id) ?? [])),
    total: account?.collection_count ?? 0,
    page: request.page,
    per_page: request.perPage,
    next: page.next,
  };
}

export async function renameCollection(accountId: string, collectionId: string, name: string): Promise<CollectionDetail> {
  const record = await requireCollection(accountId, collectionId);
  const updatedAt = now().toISOString();
  await updateCollectionName(record, name, nameKeyOf(name), updatedAt);
  return toDetail({ ...record, name, name_key: nameKeyOf(name), updated_at: updatedAt });
}

const SWEEP_PAGE = 100;
const VIDEO_SORT_PREFIX = keys.videosOf('').SKPrefix;

/** The background sweep of one collection delete (functions/events/delete-sweep.ts). */
export interface CollectionSweepTask {
  kind: 'collection';
  account_id: string;
  collection_id: string;
}

/**
 * DELETE /v1/collections/{id}: the collection is marked `deleting` (invisible at once, name released) and
 * the request answers; a background function sweeps what it owns, so a large library never runs into the
 * route's timeout. Resumable: a sweep that stops midway leaves the mark, and the next DELETE or the daily
 * run finishes it. Each video it removes is reported (`video.deleted`, once per video however often the
 * sweep repeats) unless the whole account is being deleted (its webhook endpoints are already gone).
 */
export async function deleteCollection(accountId: string, collectionId: string): Promise<void> {
  const record = await getCollectionRecord(accountId, collectionId);
  if (!record) throw new AppError('COLLECTION_NOT_FOUND');
  if (record.status === 'active') await markCollectionDeleting(record, now().toISOString());
  const task: CollectionSweepTask = { kind: 'collection', account_id: accountId, collection_id: collectionId };
  await host().invoke('deleteSweep', task);
}

/** Marks (if still active) and sweeps a collection in this process: the background sweep, an account's sweep. */
export async function sweepCollectionDelete(accountId: string, collectionId: string, options = { reportVideoDeletions: true }): Promise<void> {
  const record = await getCollectionRecord(accountId, collectionId);
  if (!record) return;
  if (record.status === 'active') await markCollectionDeleting(record, now().toISOString());
  await sweepCollection(accountId, collectionId, options.reportVideoDeletions);
}

async function sweepCollection(accountId: string, collectionId: string, reportDeletion: boolean): Promise<void> {
  for (;;) {
    const owned = await listOwnedItemKeys(collectionId, SWEEP_PAGE);
    if (owned.length === 0) break;
    // Videos go with their bytes and counters; whatever else the collection owns is rows only.
    for (const item of owned.filter((row) => row.SK.startsWith(VIDEO_SORT_PREFIX))) {
      await purgeVideoById(accountId, item.SK.slice(VIDEO_SORT_PREFIX.length), { reportDeletion });
      throwIfArmed('collection_sweep_interrupted');
    }
    await deleteOwnedRows(
      accountId,
      owned.filter((row) => !row.SK.startsWith(VIDEO_SORT_PREFIX)),
    );
  }
  throwIfArmed('collection_sweep_interrupted');
  await deleteCollectionRecord(accountId, collectionId);
}

/** Finishes every interrupted collection delete; run by the scheduled sweep. Returns how many. */
export async function resumeCollectionDeletes(): Promise<number> {
  let finished = 0;
  for (;;) {
    const pending = await listDeletingCollections(SWEEP_PAGE);
    if (pending.length === 0) return finished;
    for (const { account_id, collection_id } of pending) {
      await sweepCollection(account_id, collection_id, true);
      finished += 1;
    }
  }
}

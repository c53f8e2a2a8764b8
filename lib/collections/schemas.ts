import * as z from 'zod';
import { listQuery, refusePageDepth } from '#lib/pagination';

export const collectionName = z.string().trim().min(1, 'must not be empty').max(255);

export const collectionBody = z.strictObject({ name: collectionName });

/**
 * Any string is accepted as a path id: an id of the wrong shape is simply not found, which
 * keeps "unknown" and "another account's" indistinguishable.
 */
export const collectionParams = z.strictObject({ collection_id: z.string().min(1).max(64) });

export const listCollectionsQuery = z.strictObject(listQuery()).superRefine(refusePageDepth);

export const collectionView = z.object({
  id: z.string(),
  /** The owning account's id (PureFrame's name for it). */
  user_id: z.string(),
  name: z.string(),
  created_at: z.string(),
  video_count: z.number().int(),
});

export const collectionDetail = collectionView.extend({
  total_duration_secs: z.number(),
  storage_bytes: z.number().int(),
});

export const collectionListItem = collectionView.extend({ thumbnail_urls: z.array(z.string()) });

import { resolve } from 'node:path';
import { config } from '#lib/config';
import { isStoreUri, LanceSearchIndex } from '#lib/search/lance-index';
import type { SearchIndex } from '#lib/search/types';

/** The deployment's search index, opened once per process from FRAMESEEK_INDEX_URI (a directory, or an S3 URI in AWS). */
let opened: SearchIndex | undefined;

export function searchIndex(): SearchIndex {
  const uri = config.FRAMESEEK_INDEX_URI;
  // `s3://…` and `s3+ddb://…` (AWS, with the DynamoDB commit store) pass through; a plain path is a local directory.
  opened ??= LanceSearchIndex.open(isStoreUri(uri) ? uri : resolve(uri));
  return opened;
}

let warming: Promise<void> | undefined;

/** The deployment's index, warmed once per process before its first search (see LanceSearchIndex.warm). */
export async function warmSearchIndex(): Promise<SearchIndex> {
  const index = searchIndex();
  warming ??= index.warm();
  await warming;
  return index;
}

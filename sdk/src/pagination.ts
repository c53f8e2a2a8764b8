/**
 * A page of a list: the items and where the page sits (api.md Transport: page ≥ 1, total counts every row).
 * Lists also answer `meta.next_cursor` (null on the last page); search pages do not.
 */
export interface Page<Item> {
  data: Item[];
  meta: { total: number; page: number; per_page: number; next_cursor?: string | null };
}

/**
 * Every page of a list, one request per page. Where the list answers `meta.next_cursor`, each page after
 * the first is asked for by that cursor (the second argument; `page` is past the first 10 000 rows'
 * reach, a cursor is not) and the walk ends on the page whose cursor is null; otherwise by page number,
 * stopping after the page that reaches `meta.total` (or an empty one):
 *
 *   for await (const page of pages((page, cursor) =>
 *     unwrap(client.GET('/v1/videos', { params: { query: cursor ? { cursor, per_page: 100 } : { page, per_page: 100 } } })),
 *   ))
 */
export async function* pages<P extends Page<unknown>>(fetchPage: (page: number, cursor: string | undefined) => Promise<P>): AsyncGenerator<P, void, undefined> {
  let cursor: string | undefined;
  for (let page = 1; ; page += 1) {
    const answer = await fetchPage(page, cursor);
    yield answer;
    const next = answer.meta.next_cursor;
    if (next !== undefined) {
      if (next === null || answer.data.length === 0) return;
      cursor = next;
      continue;
    }
    const seen = (answer.meta.page - 1) * answer.meta.per_page + answer.data.length;
    if (answer.data.length === 0 || seen >= answer.meta.total) return;
  }
}

/** The items of every page, one at a time (pages are still fetched one request each, as needed). */
export async function* items<Item>(fetchPage: (page: number, cursor: string | undefined) => Promise<Page<Item>>): AsyncGenerator<Item, void, undefined> {
  for await (const page of pages(fetchPage)) yield* page.data;
}

/** A page of a list: the items and where the page sits (api.md Transport: page ≥ 1, total counts every row). */
export interface Page<Item> {
  data: Item[];
  meta: { total: number; page: number; per_page: number };
}

/**
 * Every page of a list, one request per page, stopping after the page that reaches `meta.total` (or an empty one):
 *
 *   for await (const page of pages((page) => unwrap(client.GET('/v1/videos', { params: { query: { page, per_page: 100 } } }))))
 */
export async function* pages<P extends Page<unknown>>(fetchPage: (page: number) => Promise<P>): AsyncGenerator<P, void, undefined> {
  for (let page = 1; ; page += 1) {
    const answer = await fetchPage(page);
    yield answer;
    const seen = (answer.meta.page - 1) * answer.meta.per_page + answer.data.length;
    if (answer.data.length === 0 || seen >= answer.meta.total) return;
  }
}

/** The items of every page, one at a time (pages are still fetched one request each, as needed). */
export async function* items<Item>(fetchPage: (page: number) => Promise<Page<Item>>): AsyncGenerator<Item, void, undefined> {
  for await (const page of pages(fetchPage)) yield* page.data;
}

import { useState } from 'preact/hooks';
import { call, type Collection } from '../api';
import { ErrorNote, Page, messageOf, useLoad } from '../ui';

/** Collections: list with thumbnails, create, rename in place, delete after a confirmation. */
export function CollectionsPage() {
  const list = useLoad(() => call<Collection[]>('GET', '/v1/collections?per_page=100').then((answer) => answer.data));
  const [error, setError] = useState<string>();
  const [renaming, setRenaming] = useState<string>();

  async function act(action: () => Promise<unknown>) {
    setError(undefined);
    try {
      await action();
      list.reload();
      return true;
    } catch (caught) {
      setError(messageOf(caught));
      return false;
    }
  }

  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const name = new FormData(form).get('name');
    if (await act(() => call('POST', '/v1/collections', { body: { name } }))) form.reset();
  }

  async function rename(event: Event, collection: Collection) {
    event.preventDefault();
    const name = new FormData(event.currentTarget as HTMLFormElement).get('name');
    if (await act(() => call('PATCH', `/v1/collections/${collection.id}`, { body: { name } }))) setRenaming(undefined);
  }

  function remove(collection: Collection) {
    const question = `Delete “${collection.name}” and its ${collection.video_count} video(s)? This cannot be undone.`;
    if (confirm(question)) void act(() => call('DELETE', `/v1/collections/${collection.id}`));
  }

  return (
    <Page title="Collections">
      <form class="card row" onSubmit={create}>
        <div>
          <label for="collection-name">New collection</label>
          <input id="collection-name" name="name" required maxLength={255} placeholder="Product demos" />
        </div>
        <button type="submit">Create collection</button>
      </form>
      <ErrorNote error={error ?? list.error} />
      <ul class="grid">
        {list.data?.map((collection) => (
          <li key={collection.id} class="card">
            <div class="thumbs" aria-hidden="true">
              {(collection.thumbnail_urls ?? []).map((url) => (
                <img src={url} alt="" loading="lazy" />
              ))}
            </div>
            {renaming === collection.id ? (
              <form class="row" onSubmit={(event) => rename(event, collection)}>
                <label for={`rename-${collection.id}`} class="visually-hidden">
                  New name for {collection.name}
                </label>
                <input id={`rename-${collection.id}`} name="name" defaultValue={collection.name} required maxLength={255} />
                <button type="submit">Save</button>
                <button type="button" class="quiet" onClick={() => setRenaming(undefined)}>
                  Cancel
                </button>
              </form>
            ) : (
              <h2>
                <a href={`#/collections/${collection.id}`}>{collection.name}</a>
              </h2>
            )}
            <p>{collection.video_count} video(s)</p>
            <div class="row">
              <button type="button" class="quiet" onClick={() => setRenaming(collection.id)} aria-label={`Rename ${collection.name}`}>
                Rename
              </button>
              <button type="button" class="danger" onClick={() => remove(collection)} aria-label={`Delete ${collection.name}`}>
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
      {list.data?.length === 0 && <p>No collections yet: create one above, then upload videos into it.</p>}
    </Page>
  );
}

import { useRef, useState } from 'preact/hooks';
import { call, type Collection, type Hit, type Segment } from '../api';
import { ErrorNote, Page, messageOf, seconds, useLoad } from '../ui';

const MODES = [
  { value: 'video', label: 'What is seen' },
  { value: 'transcript', label: 'What is said' },
  { value: 'ocr', label: 'On-screen text' },
];

interface Playing {
  videoId: string;
  filename: string;
  url: string;
  start: number;
}

/** Search by text and/or an example image, scoped to a collection; results grouped by video; a click plays the moment. */
export function SearchPage({ collectionId }: { collectionId?: string | undefined }) {
  const collections = useLoad(() => call<Collection[]>('GET', '/v1/collections?per_page=100').then((answer) => answer.data));
  const [hits, setHits] = useState<Hit[]>();
  const [warnings, setWarnings] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [image, setImage] = useState<File>();
  const [query, setQuery] = useState('');
  const [playing, setPlaying] = useState<Playing>();
  const player = useRef<HTMLVideoElement>(null);

  async function submit(event: Event) {
    event.preventDefault();
    const fields = new FormData(event.currentTarget as HTMLFormElement);
    const form = new FormData();
    const text = String(fields.get('query') ?? '').trim();
    if (!text && !image) {
      setError('Type what you are looking for, or choose an example image');
      return;
    }
    if (text) form.append('query', text);
    if (image) form.append('image', image, image.name);
    const scope = String(fields.get('collection_id') ?? '');
    if (scope) form.append('collection_id', scope);
    for (const mode of fields.getAll('modes')) form.append('modes', String(mode));
    setBusy(true);
    setError(undefined);
    try {
      const answer = await call<Hit[]>('POST', '/v1/search', { form });
      setHits(answer.data);
      setWarnings(((answer.meta.warnings as string[] | undefined) ?? []).map(String));
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  function play(hit: Hit, segment: Segment) {
    setPlaying({ videoId: hit.video_id, filename: hit.filename, url: segment.video_url, start: segment.timestamp_start });
    // The same source again only needs a seek; a new one seeks once its metadata is known.
    const video = player.current;
    if (video && playing?.url.split('#')[0] === segment.video_url.split('#')[0]) {
      video.currentTime = segment.timestamp_start;
      void video.play().catch(() => undefined);
    }
    video?.focus();
  }

  async function hide(hit: Hit, segment: Segment, hidden: boolean) {
    setError(undefined);
    try {
      if (hidden)
        await call('POST', '/v1/search/feedback', {
          body: { video_id: hit.video_id, timestamp_start: segment.timestamp_start, signal: 'down', ...(query ? { query } : {}) },
        });
      else await call('DELETE', `/v1/search/feedback?video_id=${encodeURIComponent(hit.video_id)}&timestamp_start=${segment.timestamp_start}`);
      setHits((all) =>
        all?.map((each) =>
          each.video_id !== hit.video_id
            ? each
            : { ...each, segments: each.segments.map((one) => (one.timestamp_start === segment.timestamp_start ? { ...one, hidden } : one)) },
        ),
      );
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  function takeImage(file: File | undefined) {
    if (file && file.type.startsWith('image/')) setImage(file);
  }

  return (
    <Page title="Search">
      <form
        class="card search-form"
        onSubmit={submit}
        onPaste={(event) => takeImage([...(event.clipboardData?.files ?? [])][0])}
        onDragOver={(event) => event.preventDefault()}
        onDrop={(event) => {
          event.preventDefault();
          takeImage([...(event.dataTransfer?.files ?? [])][0]);
        }}
      >
        <label for="search-query">What are you looking for?</label>
        <input
          id="search-query"
          name="query"
          type="search"
          value={query}
          onInput={(event) => setQuery(event.currentTarget.value)}
          maxLength={1000}
          placeholder="a sentence, a word on screen…"
        />
        <label for="search-image">Or an example image (choose, drop or paste)</label>
        <input id="search-image" type="file" accept="image/jpeg,image/png,image/webp" onChange={(event) => setImage(event.currentTarget.files?.[0])} />
        {image && (
          <p>
            Image: {image.name}{' '}
            <button type="button" class="quiet" onClick={() => setImage(undefined)}>
              Remove image
            </button>
          </p>
        )}
        <label for="search-collection">Collection</label>
        <select id="search-collection" name="collection_id" defaultValue={collectionId ?? ''} key={collections.data ? 'loaded' : 'loading'}>
          <option value="">All collections</option>
          {collections.data?.map((collection) => (
            <option value={collection.id} selected={collection.id === collectionId}>
              {collection.name}
            </option>
          ))}
        </select>
        <fieldset>
          <legend>Search in</legend>
          {MODES.map((mode) => (
            <label class="inline">
              <input type="checkbox" name="modes" value={mode.value} defaultChecked /> {mode.label}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>
          {busy ? 'Searching…' : 'Search'}
        </button>
      </form>
      <ErrorNote error={error ?? collections.error} />
      {warnings.map((warning) => (
        <p class="warning">{warning}</p>
      ))}
      {playing && (
        <div class="card player">
          <h2>{playing.filename}</h2>
          <video
            ref={player}
            src={playing.url}
            controls
            playsInline
            aria-label={`${playing.filename} from ${seconds(playing.start)}`}
            onLoadedMetadata={(event) => {
              event.currentTarget.currentTime = playing.start;
              void event.currentTarget.play().catch(() => undefined);
            }}
          />
          <p>
            <a href={`#/videos/${playing.videoId}`}>Transcript and details</a>
          </p>
        </div>
      )}
      {hits && <p role="status">{hits.length === 0 ? 'Nothing matched.' : `${hits.length} video(s) matched.`}</p>}
      <ol class="results">
        {hits?.map((hit) => (
          <li key={hit.video_id} class="card">
            <h2>
              {hit.filename} <span class="score">score {hit.score.toFixed(2)}</span>
            </h2>
            <ol class="segments">
              {hit.segments.map((segment) => (
                <li key={segment.timestamp_start} class={segment.hidden ? 'segment hidden' : 'segment'}>
                  {segment.hidden ? (
                    <p>
                      Hidden from your results.{' '}
                      <button type="button" class="quiet" onClick={() => hide(hit, segment, false)}>
                        Undo
                      </button>
                    </p>
                  ) : (
                    <>
                      <button
                        type="button"
                        class="moment"
                        onClick={() => play(hit, segment)}
                        aria-label={`Play ${hit.filename} from ${seconds(segment.timestamp_start)}`}
                      >
                        {segment.thumbnail_url ? <img src={segment.thumbnail_url} alt="" width={160} /> : <span class="no-thumb">▶</span>}
                      </button>
                      <div>
                        <p>
                          <strong>
                            {seconds(segment.timestamp_start)}–{seconds(segment.timestamp_end)}
                          </strong>{' '}
                          · {segment.type} · score {segment.score.toFixed(2)}
                        </p>
                        {segment.text_content && <p class="snippet">{segment.text_content}</p>}
                        <button
                          type="button"
                          class="quiet"
                          onClick={() => hide(hit, segment, true)}
                          aria-label={`Hide the moment at ${seconds(segment.timestamp_start)}`}
                        >
                          Hide
                        </button>
                      </div>
                    </>
                  )}
                </li>
              ))}
            </ol>
          </li>
        ))}
      </ol>
    </Page>
  );
}

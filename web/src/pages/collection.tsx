import { useEffect, useState } from 'preact/hooks';
import { call, putBytes, type Collection, type Job, type PartUrl, type UploadState, type UploadTicket, type Video } from '../api';
import { ErrorNote, Page, bytes, messageOf, seconds, useLoad } from '../ui';

const TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  avi: 'video/x-msvideo',
  webm: 'video/webm',
  mpeg: 'video/mpeg',
  mpg: 'video/mpeg',
  mkv: 'video/x-matroska',
};

interface Transfer {
  id: number;
  name: string;
  size: number;
  sent: number;
  phase: 'uploading' | 'indexing' | 'ready' | 'failed';
  stage?: string;
  pct: number;
  error?: string;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface PendingUpload {
  upload_id: string;
  job_id: string;
  collection_id: string;
  filename: string;
  size: number;
}

/** Multipart uploads started in this browser and not yet completed (localStorage), to resume after a reload. */
const PENDING_KEY = 'frameseek.uploads';
const pending = {
  all(): PendingUpload[] {
    try {
      const value: unknown = JSON.parse(localStorage.getItem(PENDING_KEY) ?? '[]');
      return Array.isArray(value) ? (value as PendingUpload[]) : [];
    } catch {
      return [];
    }
  },
  list(collectionId: string): PendingUpload[] {
    return pending.all().filter((entry) => entry.collection_id === collectionId);
  },
  add(entry: PendingUpload): void {
    localStorage.setItem(PENDING_KEY, JSON.stringify([...pending.all(), entry]));
  },
  remove(uploadId: string): void {
    localStorage.setItem(PENDING_KEY, JSON.stringify(pending.all().filter((entry) => entry.upload_id !== uploadId)));
  },
};

/** One collection: its videos with their status, and uploads by picker or drag-and-drop. */
export function CollectionPage({ id }: { id: string }) {
  const collection = useLoad(() => call<Collection>('GET', `/v1/collections/${id}`).then((answer) => answer.data), [id]);
  const videos = useLoad(() => call<Video[]>('GET', `/v1/videos?collection_id=${id}&per_page=100`).then((answer) => answer.data), [id]);
  const [transfers, setTransfers] = useState<Transfer[]>([]);
  const [dragging, setDragging] = useState(false);
  const [resumable, setResumable] = useState(() => pending.list(id));

  const update = (transferId: number, change: Partial<Transfer>) =>
    setTransfers((all) => all.map((transfer) => (transfer.id === transferId ? { ...transfer, ...change } : transfer)));

  // While anything is processing, the list refreshes itself.
  const processing = videos.data?.some((video) => video.status === 'processing' || video.status === 'uploading');
  useEffect(() => {
    if (!processing) return;
    const timer = setInterval(videos.reload, 3000);
    return () => clearInterval(timer);
  }, [processing]);

  /** PUTs the parts still missing (two at a time), counting the bytes already stored; answers their ETags. */
  async function sendParts(file: File, transferId: number, partSize: number, parts: PartUrl[], storedBytes: number) {
    const sentByPart = new Map<number, number>();
    const done: Array<{ part_number: number; etag: string }> = [];
    const queue = [...parts];
    const worker = async () => {
      for (let part = queue.shift(); part; part = queue.shift()) {
        const number = part.part_number;
        const begin = (number - 1) * partSize;
        const etag = await putBytes(part.url, file.slice(begin, begin + partSize), undefined, (sent) => {
          sentByPart.set(number, sent);
          update(transferId, { sent: storedBytes + [...sentByPart.values()].reduce((sum, value) => sum + value, 0) });
        });
        done.push({ part_number: number, etag });
      }
    };
    await Promise.all([worker(), worker()]);
    return done;
  }

  /** Follows the job until it is done or failed, showing its stage and progress. */
  async function follow(jobId: string, transferId: number, size: number) {
    update(transferId, { phase: 'indexing', sent: size });
    for (;;) {
      const job = (await call<Job>('GET', `/v1/jobs/${jobId}`)).data;
      if (job.status === 'done') {
        update(transferId, { phase: 'ready', pct: 100, stage: 'done' });
        break;
      }
      if (job.status === 'failed') {
        update(transferId, { phase: 'failed', error: job.error ?? 'Indexing failed' });
        break;
      }
      update(transferId, { stage: job.stage ?? job.status, pct: job.progress_pct });
      await sleep(1000);
    }
    videos.reload();
  }

  async function send(file: File, transferId: number) {
    try {
      const extension = file.name.split('.').pop()?.toLowerCase() ?? '';
      const contentType = file.type || TYPES[extension] || 'application/octet-stream';
      const ticket = (
        await call<UploadTicket>('POST', '/v1/uploads', { body: { collection_id: id, filename: file.name, size_bytes: file.size, content_type: contentType } })
      ).data;
      videos.reload();
      if (ticket.multipart) {
        // Kept in this browser until it completes, so a reload can resume it from where it stopped.
        pending.add({ upload_id: ticket.upload_id, job_id: ticket.job_id, collection_id: id, filename: file.name, size: file.size });
        const parts = await sendParts(file, transferId, ticket.multipart.part_size, ticket.multipart.parts, 0);
        await call('POST', `/v1/uploads/${ticket.upload_id}/complete`, { body: { parts } });
        pending.remove(ticket.upload_id);
      } else if (ticket.url) {
        await putBytes(ticket.url, file, ticket.headers?.['Content-Type'] ?? contentType, (sent) => update(transferId, { sent }));
        await call('POST', `/v1/uploads/${ticket.upload_id}/complete`, { body: {} });
      }
      await follow(ticket.job_id, transferId, file.size);
    } catch (caught) {
      update(transferId, { phase: 'failed', error: messageOf(caught) });
    }
  }

  /** The same file again for an interrupted upload: only the parts storage lacks are sent. */
  async function resume(entry: PendingUpload, file: File | undefined) {
    if (!file) return;
    const transferId = Date.now();
    setTransfers((all) => [{ id: transferId, name: file.name, size: file.size, sent: 0, phase: 'uploading', pct: 0 }, ...all]);
    setResumable(pending.list(id));
    try {
      if (file.name !== entry.filename || file.size !== entry.size)
        throw new Error(`That is not ${entry.filename} (${bytes(entry.size)}); choose the same file`);
      const state = (await call<UploadState>('GET', `/v1/uploads/${entry.upload_id}`)).data;
      if (state.status === 'aborted' || state.status === 'expired') {
        pending.remove(entry.upload_id);
        setResumable(pending.list(id));
        throw new Error(`This upload was ${state.status}; upload the file again`);
      }
      if (state.status === 'awaiting_bytes' && state.multipart) {
        const partSize = state.multipart.part_size;
        const storedBytes = (state.parts_received ?? []).reduce((sum, number) => sum + Math.min(partSize, entry.size - (number - 1) * partSize), 0);
        update(transferId, { sent: storedBytes });
        await sendParts(file, transferId, partSize, state.multipart.parts, storedBytes);
        await call('POST', `/v1/uploads/${entry.upload_id}/complete`, { body: {} });
      }
      pending.remove(entry.upload_id);
      setResumable(pending.list(id));
      await follow(entry.job_id, transferId, file.size);
    } catch (caught) {
      update(transferId, { phase: 'failed', error: messageOf(caught) });
    }
  }

  function start(files: FileList | null) {
    if (!files) return;
    const base = Date.now();
    const added = [...files].map((file, index) => ({ id: base + index, name: file.name, size: file.size, sent: 0, phase: 'uploading' as const, pct: 0 }));
    setTransfers((all) => [...added, ...all]);
    [...files].forEach((file, index) => void send(file, base + index));
  }

  return (
    <Page title={collection.data ? collection.data.name : 'Collection'}>
      <p>
        <a href="#/collections">← All collections</a> · <a href={`#/search/${id}`}>Search this collection</a>
      </p>
      <ErrorNote error={collection.error ?? videos.error} />
      <div
        class={`dropzone card${dragging ? ' dragging' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          start(event.dataTransfer?.files ?? null);
        }}
      >
        <label for="upload-files">Drop videos here, or choose files (MP4, MOV, AVI, WebM, MPEG, MKV)</label>
        <input
          id="upload-files"
          type="file"
          multiple
          accept=".mp4,.mov,.avi,.webm,.mpeg,.mpg,.mkv,video/*"
          onChange={(event) => {
            const input = event.currentTarget;
            start(input.files);
            input.value = '';
          }}
        />
      </div>
      {resumable.length > 0 && (
        <div class="card notice">
          <h2>Interrupted uploads</h2>
          <p>Choose the same file again to send what is missing.</p>
          <ul>
            {resumable.map((entry) => (
              <li key={entry.upload_id}>
                <label for={`resume-${entry.upload_id}`}>
                  Resume {entry.filename} ({bytes(entry.size)})
                </label>
                <input id={`resume-${entry.upload_id}`} type="file" accept="video/*" onChange={(event) => void resume(entry, event.currentTarget.files?.[0])} />
              </li>
            ))}
          </ul>
        </div>
      )}
      {transfers.length > 0 && (
        <ul class="transfers" aria-label="Uploads">
          {transfers.map((transfer) => (
            <li key={transfer.id} class="card" data-phase={transfer.phase}>
              <strong>{transfer.name}</strong> ({bytes(transfer.size)})
              <div>
                <label>
                  Upload
                  <progress class="upload-progress" max={transfer.size || 1} value={transfer.sent} />
                </label>
              </div>
              {transfer.phase !== 'uploading' && (
                <div>
                  <label>
                    Indexing{transfer.stage ? `: ${transfer.stage}` : ''}
                    <progress class="job-progress" max={100} value={transfer.pct} />
                  </label>
                </div>
              )}
              <p class="status" aria-live="polite">
                {transfer.phase === 'uploading' && `Uploading ${Math.floor((transfer.sent / (transfer.size || 1)) * 100)}%`}
                {transfer.phase === 'indexing' && `Indexing ${transfer.pct}%`}
                {transfer.phase === 'ready' && 'Ready to search'}
              </p>
              <ErrorNote error={transfer.error} />
            </li>
          ))}
        </ul>
      )}
      <h2>Videos</h2>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Videos in this collection</caption>
          <thead>
            <tr>
              <th scope="col">
                <span class="visually-hidden">Thumbnail</span>
              </th>
              <th scope="col">File</th>
              <th scope="col">Status</th>
              <th scope="col">Length</th>
            </tr>
          </thead>
          <tbody>
            {videos.data?.map((video) => (
              <tr key={video.id}>
                <td>{video.thumbnail_url ? <img class="thumb-small" src={video.thumbnail_url} alt="" /> : null}</td>
                <td>
                  <a href={`#/videos/${video.id}`}>{video.filename}</a>
                </td>
                <td class="video-status">
                  {video.status}
                  {video.status === 'processing' && typeof video.progress_pct === 'number' ? ` ${video.progress_pct}%` : ''}
                </td>
                <td>{typeof video.duration_secs === 'number' ? seconds(video.duration_secs) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {videos.data?.length === 0 && <p>No videos yet.</p>}
    </Page>
  );
}

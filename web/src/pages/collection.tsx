import { useEffect, useState } from 'preact/hooks';
import { call, putBytes, type Collection, type Job, type UploadTicket, type Video } from '../api';
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

/** One collection: its videos with their status, and uploads by picker or drag-and-drop. */
export function CollectionPage({ id }: { id: string }) {
  const collection = useLoad(() => call<Collection>('GET', `/v1/collections/${id}`).then((answer) => answer.data), [id]);
  const videos = useLoad(() => call<Video[]>('GET', `/v1/videos?collection_id=${id}&per_page=100`).then((answer) => answer.data), [id]);
  const [transfers, setTransfers] = useState<Transfer[]>([]);
  const [dragging, setDragging] = useState(false);

  const update = (transferId: number, change: Partial<Transfer>) =>
    setTransfers((all) => all.map((transfer) => (transfer.id === transferId ? { ...transfer, ...change } : transfer)));

  // While anything is processing, the list refreshes itself.
  const processing = videos.data?.some((video) => video.status === 'processing' || video.status === 'uploading');
  useEffect(() => {
    if (!processing) return;
    const timer = setInterval(videos.reload, 3000);
    return () => clearInterval(timer);
  }, [processing]);

  async function send(file: File, transferId: number) {
    try {
      const extension = file.name.split('.').pop()?.toLowerCase() ?? '';
      const contentType = file.type || TYPES[extension] || 'application/octet-stream';
      const ticket = (
        await call<UploadTicket>('POST', '/v1/uploads', { body: { collection_id: id, filename: file.name, size_bytes: file.size, content_type: contentType } })
      ).data;
      videos.reload();
      if (ticket.multipart) {
        const { part_size: partSize, parts } = ticket.multipart;
        const sentByPart = new Map<number, number>();
        const done: Array<{ part_number: number; etag: string }> = [];
        for (const part of parts) {
          const start = (part.part_number - 1) * partSize;
          const etag = await putBytes(part.url, file.slice(start, start + partSize), undefined, (sent) => {
            sentByPart.set(part.part_number, sent);
            update(transferId, { sent: [...sentByPart.values()].reduce((sum, value) => sum + value, 0) });
          });
          done.push({ part_number: part.part_number, etag });
        }
        await call('POST', `/v1/uploads/${ticket.upload_id}/complete`, { body: { parts: done } });
      } else if (ticket.url) {
        await putBytes(ticket.url, file, ticket.headers?.['Content-Type'] ?? contentType, (sent) => update(transferId, { sent }));
        await call('POST', `/v1/uploads/${ticket.upload_id}/complete`, { body: {} });
      }
      update(transferId, { phase: 'indexing', sent: file.size });
      for (;;) {
        const job = (await call<Job>('GET', `/v1/jobs/${ticket.job_id}`)).data;
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

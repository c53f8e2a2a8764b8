import { useRef, useState } from 'preact/hooks';
import { call, type TranscriptLine, type Video } from '../api';
import { ErrorNote, Page, messageOf, seconds, useLoad } from '../ui';

/** A video: the player, its transcript and on-screen text (a click seeks), subtitles to download. */
export function VideoPage({ id }: { id: string }) {
  const video = useLoad(() => call<Video>('GET', `/v1/videos/${id}`).then((answer) => answer.data), [id]);
  const lines = useLoad(() => call<TranscriptLine[]>('GET', `/v1/videos/${id}/transcript?include=ocr`).then((answer) => answer.data), [id]);
  const [error, setError] = useState<string>();
  const player = useRef<HTMLVideoElement>(null);

  function seek(start: number) {
    const element = player.current;
    if (!element) return;
    element.currentTime = start;
    void element.play().catch(() => undefined);
  }

  async function download(format: 'vtt' | 'srt') {
    setError(undefined);
    try {
      const text = (await call<string>('GET', `/v1/videos/${id}/transcript?format=${format}`, { text: true })).data;
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([text], { type: format === 'vtt' ? 'text/vtt' : 'application/x-subrip' }));
      link.download = `${video.data?.filename.replace(/\.[^.]+$/, '') ?? id}.${format}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  const speech = lines.data?.filter((line) => line.type === 'speech') ?? [];
  const onScreen = lines.data?.filter((line) => line.type === 'ocr') ?? [];
  const row = (line: TranscriptLine) => (
    <li>
      <button type="button" class="line" onClick={() => seek(line.start)}>
        <span class="time">{seconds(line.start)}</span> {line.text}
      </button>
    </li>
  );

  return (
    <Page title={video.data?.filename ?? 'Video'}>
      {video.data && (
        <p>
          <a href={`#/collections/${video.data.collection_id}`}>← Collection</a> · status {video.data.status}
        </p>
      )}
      <ErrorNote error={error ?? video.error ?? lines.error} />
      {video.data?.playback_url && <video ref={player} class="player" src={video.data.playback_url} controls playsInline aria-label={video.data.filename} />}
      <div class="row">
        <button type="button" onClick={() => download('vtt')}>
          Download WebVTT
        </button>
        <button type="button" onClick={() => download('srt')}>
          Download SRT
        </button>
      </div>
      <h2>Transcript</h2>
      {speech.length ? <ol class="transcript">{speech.map(row)}</ol> : <p>Nothing was said{video.data?.status === 'ready' ? '' : ' yet'}.</p>}
      <h2>On-screen text</h2>
      {onScreen.length ? <ol class="transcript">{onScreen.map(row)}</ol> : <p>No text was read on screen.</p>}
    </Page>
  );
}

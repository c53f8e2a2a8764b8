/**
 * ffmpeg and ffprobe read customer files: what they may open is pinned, and what they print is
 * cleaned before it reaches a log or a job.
 *
 * - Protocols: only the (presigned) HTTP(S) URL we hand them. A playlist or reference inside a
 *   file cannot make them open a local file, a pipe or another scheme.
 * - Demuxers: only the containers we accept (errors.md: MP4, MOV, AVI, WebM, MPEG, MKV). A file
 *   whose bytes probe as HLS, concat, a playlist or an image sequence is refused instead of
 *   followed, so it cannot send the worker to another host.
 */
const PROTOCOLS = 'http,https,tls,tcp';
const DEMUXERS = 'mov,matroska,avi,mpeg,mpegts,mpegvideo';

/** Options placed before each `-i <url>` of an untrusted input. */
export function untrustedInputOptions(): string[] {
  return ['-protocol_whitelist', PROTOCOLS, '-format_whitelist', DEMUXERS];
}

/** A URL's query (a presigned URL's signature and credential) never leaves in a message. */
export function redactUrls(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s'"?#]*)[?#][^\s'"]*/gi, '$1?…');
}

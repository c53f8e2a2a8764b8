import { AppError, validationError } from '#lib/errors';
import { searchIndex } from '#lib/search/index';
import { presignGet } from '#lib/storage/objects';
import { getVideoRecord, type VideoRecord } from '#lib/db/videos';
import type { SegmentRow } from '#lib/search/types';

/** What a video says and shows, read from its index rows (api.md: transcript and moment). */
export interface TranscriptItem {
  start: number;
  end: number;
  text: string;
  type: 'speech' | 'ocr';
}

export interface Moment {
  timestamp: number;
  thumbnail_url: string | null;
  transcript: string | null;
  ocr_text: string | null;
  labels: string[];
}

const THUMBNAIL_URL_SECS = 60 * 60;

async function requireVideo(accountId: string, videoId: string): Promise<VideoRecord> {
  const video = await getVideoRecord(accountId, videoId);
  if (!video || video.status === 'deleting') throw new AppError('VIDEO_NOT_FOUND');
  return video;
}

/** Speech (and on-screen text when asked) in time order; [] before the video is indexed. */
export async function transcriptOf(accountId: string, videoId: string, includeOcr: boolean): Promise<TranscriptItem[]> {
  await requireVideo(accountId, videoId);
  const rows = await searchIndex().videoSegments(accountId, videoId, includeOcr ? ['transcript', 'ocr'] : ['transcript']);
  return rows
    .map((row) => ({ start: row.start_secs, end: row.end_secs, text: row.text, type: row.type === 'ocr' ? ('ocr' as const) : ('speech' as const) }))
    .sort((a, b) => a.start - b.start || a.type.localeCompare(b.type));
}

/** WebVTT or SubRip of the speech. */
export async function subtitlesOf(accountId: string, videoId: string, format: 'vtt' | 'srt'): Promise<{ body: string; contentType: string }> {
  const cues = (await transcriptOf(accountId, videoId, false)).filter((item) => item.end > item.start);
  if (format === 'vtt') {
    const body = ['WEBVTT', '', ...cues.map((cue) => `${clock(cue.start, '.')} --> ${clock(cue.end, '.')}\n${cue.text}\n`)].join('\n');
    return { body, contentType: 'text/vtt; charset=utf-8' };
  }
  const body = cues.map((cue, index) => `${index + 1}\n${clock(cue.start, ',')} --> ${clock(cue.end, ',')}\n${cue.text}\n`).join('\n');
  return { body, contentType: 'application/x-subrip; charset=utf-8' };
}

function clock(secs: number, fractionSeparator: '.' | ','): string {
  const totalMs = Math.round(secs * 1000);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  const hours = Math.floor(totalMs / 3_600_000);
  const minutes = Math.floor((totalMs % 3_600_000) / 60_000);
  const seconds = Math.floor((totalMs % 60_000) / 1000);
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}${fractionSeparator}${pad(totalMs % 1000, 3)}`;
}

/**
 * What is seen, said and written at one instant; empty fields (never 404) where nothing is. An instant
 * past the end of a video whose length is known is a mistake worth saying (422), not an empty moment.
 */
export async function momentAt(accountId: string, videoId: string, timestamp: number): Promise<Moment> {
  const video = await requireVideo(accountId, videoId);
  if (video.duration_secs !== null && timestamp > video.duration_secs) {
    throw validationError(
      [{ path: 'timestamp', message: `must be at most the video's duration, ${video.duration_secs} s` }],
      `timestamp ${timestamp} is past the end of this video (its duration is ${video.duration_secs} s)`,
    );
  }
  const rows = await searchIndex().videoSegments(accountId, videoId, ['frame', 'transcript', 'ocr']);
  const covering = (type: SegmentRow['type']) =>
    rows.filter((row) => row.type === type && row.start_secs <= timestamp && timestamp < Math.max(row.end_secs, row.start_secs + 0.001));
  const frame =
    covering('frame')[0] ??
    nearestBefore(
      rows.filter((row) => row.type === 'frame'),
      timestamp,
    );
  const transcript = covering('transcript')
    .map((row) => row.text)
    .join(' ');
  const ocr = covering('ocr')
    .map((row) => row.text)
    .join('\n');
  return {
    timestamp,
    thumbnail_url: frame?.thumbnail_key ? await presignGet(frame.thumbnail_key, THUMBNAIL_URL_SECS) : null,
    transcript: transcript || null,
    ocr_text: ocr || null,
    labels: [],
  };
}

function nearestBefore<T extends { start_secs: number }>(rows: readonly T[], timestamp: number): T | undefined {
  return rows.filter((row) => row.start_secs <= timestamp).at(-1);
}

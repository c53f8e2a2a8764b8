import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';

/**
 * Where a running `npm start` listens, written to `<data dir>/listening.json` once it serves and removed
 * when it stops, so the CLI finds the API (and operators' commands the stand-ins) with no settings.
 */
const listenRecord = z.object({
  api_url: z.string(),
  dynamodb_endpoint: z.string(),
  s3_endpoint: z.string(),
  table_name: z.string(),
  bucket: z.string(),
  pid: z.number().int(),
});

export type ListenRecord = z.infer<typeof listenRecord>;

export const DEFAULT_DATA_DIR = './.frameseek';

export function listenFilePath(dataDir: string): string {
  return resolve(dataDir, 'listening.json');
}

export function writeListenFile(dataDir: string, record: ListenRecord): void {
  writeFileSync(listenFilePath(dataDir), `${JSON.stringify(record, null, 2)}\n`);
}

/** Removes the file if it is still this process's (a second start may have written its own). */
export function removeListenFile(dataDir: string, pid: number): void {
  if (readListenFile(dataDir, { evenIfGone: true })?.pid === pid) rmSync(listenFilePath(dataDir), { force: true });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The record of the server running on this data dir; undefined if there is none, or it was left by a process that is gone. */
export function readListenFile(dataDir: string, options: { evenIfGone?: boolean } = {}): ListenRecord | undefined {
  let text: string;
  try {
    text = readFileSync(listenFilePath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = listenRecord.safeParse(JSON.parse(text));
  if (!parsed.success) return undefined;
  return options.evenIfGone || isRunning(parsed.data.pid) ? parsed.data : undefined;
}

import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { isRecord, parseJson } from './json.ts';

/** What `frameseek login` keeps: the session token and the API it belongs to (it is never sent anywhere else). */
export interface StoredSession {
  api_url: string;
  token: string;
  email: string;
  expires_at: string;
}

/** $XDG_CONFIG_HOME/frameseek/session.json (default ~/.config/frameseek/session.json). */
export function sessionPath(): string {
  const configHome = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(configHome, 'frameseek', 'session.json');
}

export async function readSession(): Promise<StoredSession | undefined> {
  const stored = parseJson(await readFile(sessionPath(), 'utf8').catch(() => ''));
  if (!isRecord(stored)) return undefined;
  const { api_url, token, email, expires_at } = stored;
  if (typeof api_url !== 'string' || typeof token !== 'string' || typeof email !== 'string' || typeof expires_at !== 'string') return undefined;
  return { api_url, token, email, expires_at };
}

export async function writeSession(session: StoredSession): Promise<string> {
  const path = sessionPath();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Created 0600 and set again: a file left by an older run may have been readable by others.
  await writeFile(path, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

export async function removeSession(): Promise<void> {
  await rm(sessionPath(), { force: true });
}

import { Option, type Command } from 'commander';
import { createFrameseek, FrameseekError, type FrameseekApi } from '#sdk/index';
import { DEFAULT_DATA_DIR, readListenFile, type ListenRecord } from '#infra/local/listen-file';
import { ApiError, CliError } from './errors.ts';
import { readSession, type StoredSession } from './session-store.ts';

/** Options every API command takes. */
export interface CommonFlags {
  apiUrl?: string;
  apiKey?: string;
  json?: boolean;
}

const FALLBACK_API_URL = 'http://127.0.0.1:8787';

/** The `npm start` running on this folder's data dir (FRAMESEEK_DATA_DIR, default ./.frameseek), if any. */
export function localServer(): ListenRecord | undefined {
  return readListenFile(process.env.FRAMESEEK_DATA_DIR || DEFAULT_DATA_DIR);
}

export function withCommonOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--api-url <url>', 'API base URL (default: the one you logged in to, else where a local npm start listens, else http://127.0.0.1:8787)').env(
        'FRAMESEEK_API_URL',
      ),
    )
    .addOption(new Option('--api-key <key>', 'API key (fsk_…); default: the session of `frameseek login`').env('FRAMESEEK_API_KEY'))
    .option('--json', "print the API's answer ({data, meta}) as JSON instead of text");
}

export interface Connection {
  client: FrameseekApi;
  apiUrl: string;
}

/**
 * Which API, with which credential. The URL: --api-url / FRAMESEEK_API_URL, else the logged-in session's, else a
 * local npm start's, else the default. The credential: an API key wins, except where `prefer` is 'session' (keys and
 * billing take only sessions); a stored session is sent only to the API it came from.
 */
export async function connect(flags: CommonFlags, prefer: 'key' | 'session' = 'key'): Promise<Connection> {
  const session = await readSession();
  const apiUrl = flags.apiUrl ?? session?.api_url ?? localServer()?.api_url ?? FALLBACK_API_URL;
  if (!URL.canParse(apiUrl)) throw new CliError('BAD_API_URL', `--api-url / FRAMESEEK_API_URL is not a URL: ${apiUrl}`);
  const sessionToken = session && sameApi(session, apiUrl) ? session.token : undefined;
  const token = prefer === 'session' ? (sessionToken ?? flags.apiKey) : (flags.apiKey ?? sessionToken);
  if (!token) {
    const how =
      prefer === 'session'
        ? 'run `frameseek login` first (this command takes a session, not an API key)'
        : 'set FRAMESEEK_API_KEY or pass --api-key, or run `frameseek login`';
    throw new CliError(prefer === 'session' ? 'NOT_LOGGED_IN' : 'MISSING_API_KEY', `no credentials for ${apiUrl}: ${how}`);
  }
  return { client: createFrameseek({ baseUrl: apiUrl, token }), apiUrl };
}

/** A client without credentials (login). */
export function anonymous(flags: CommonFlags, fallbackUrl?: string): Connection {
  const apiUrl = flags.apiUrl ?? fallbackUrl ?? localServer()?.api_url ?? FALLBACK_API_URL;
  if (!URL.canParse(apiUrl)) throw new CliError('BAD_API_URL', `--api-url / FRAMESEEK_API_URL is not a URL: ${apiUrl}`);
  return { client: createFrameseek({ baseUrl: apiUrl }), apiUrl };
}

function sameApi(session: StoredSession, apiUrl: string): boolean {
  return new URL(session.api_url).origin === new URL(apiUrl).origin;
}

/** The SDK's errors as the CLI prints them: the API's code and message, and the request id support needs. */
export function asCliError(error: unknown): unknown {
  if (!(error instanceof FrameseekError)) return error;
  if (error.code === 'NETWORK_ERROR') return new CliError('API_UNREACHABLE', `${error.message}; check --api-url or FRAMESEEK_API_URL`);
  const requestId = error.requestId ? ` (request_id ${error.requestId})` : '';
  return new ApiError(error.status, error.code, `${error.message}${requestId}`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `name  value` lines, the format `frameseek upload` prints, so scripts can pick fields out with awk. */
export function printFields(fields: readonly (readonly [string, string | number | boolean | null | undefined])[]): void {
  const width = Math.max(...fields.map(([name]) => name.length));
  for (const [name, value] of fields) process.stdout.write(`${name.padEnd(width)}  ${value ?? '-'}\n`);
}

/** A plain table: a header row and columns padded to their widest cell; `-` for an empty cell. */
export function printTable(headers: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): void {
  const cells = [headers.map(String), ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined || cell === '' ? '-' : String(cell))))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  for (const row of cells) {
    const line = row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
    process.stdout.write(`${line}\n`);
  }
}

/** A list's closing line: how much of it was shown, and how to read on (by cursor, where the list answers one). */
export function printPageNote(meta: { total: number; page: number; per_page: number; next_cursor?: string | null }, shown: number): void {
  if (meta.next_cursor) process.stderr.write(`page ${meta.page}: ${shown} of ${meta.total} (--cursor ${meta.next_cursor} for more)\n`);
  else if (meta.next_cursor === undefined && meta.total > shown)
    process.stderr.write(`page ${meta.page}: ${shown} of ${meta.total} (--page ${meta.page + 1} for more)\n`);
}

/** A command's action, run by the program's runner (which turns its exit code and errors into the process's). */
export type Runner = (action: () => Promise<number>) => Promise<void>;
type Action = (...args: never[]) => Promise<number>;

/** Wraps each command function so that commander calls it through `run`. */
export function actionsRunBy(run: Runner) {
  return <A extends Action>(command: A) =>
    (...args: Parameters<A>) =>
      run(() => command(...args));
}

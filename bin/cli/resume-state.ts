import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRecord, parseJson } from './json.ts';

/** Which file an upload is for: a file changed since (size or mtime) starts a fresh upload. */
export interface FileIdentity {
  path: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** What a later run needs to pick up an interrupted upload of the same file. */
export interface ResumeState {
  collection_id: string;
  /** Written before POST /v1/uploads, so a run that died before hearing the answer replays it instead of opening a second upload. */
  idempotency_key: string;
  upload_id?: string;
}

interface StoredState extends ResumeState {
  file: string;
  size_bytes: number;
  mtime_ms: number;
}

/** One small JSON file per (absolute path, size, mtime) under the state directory. */
export class ResumeStore {
  private readonly file: string;

  constructor(
    private readonly directory: string,
    private readonly identity: FileIdentity,
  ) {
    const digest = createHash('sha256')
      .update(JSON.stringify([identity.path, identity.sizeBytes, identity.mtimeMs]))
      .digest('hex');
    this.file = join(directory, `${digest.slice(0, 32)}.json`);
  }

  /** The saved state; none when there is no file, or it is unreadable or for another file. */
  async read(): Promise<ResumeState | undefined> {
    const stored = parseJson(await readFile(this.file, 'utf8').catch(() => ''));
    if (!isRecord(stored)) return undefined;
    const { file, size_bytes, mtime_ms, collection_id, idempotency_key, upload_id } = stored;
    const sameFile = file === this.identity.path && size_bytes === this.identity.sizeBytes && mtime_ms === this.identity.mtimeMs;
    if (!sameFile || typeof collection_id !== 'string' || typeof idempotency_key !== 'string') return undefined;
    return { collection_id, idempotency_key, ...(typeof upload_id === 'string' ? { upload_id } : {}) };
  }

  async write(state: ResumeState): Promise<void> {
    const stored: StoredState = { file: this.identity.path, size_bytes: this.identity.sizeBytes, mtime_ms: this.identity.mtimeMs, ...state };
    await mkdir(this.directory, { recursive: true });
    // Written aside and renamed: an interruption mid-write must not leave half a file to resume from.
    const partial = `${this.file}.${process.pid}.tmp`;
    await writeFile(partial, `${JSON.stringify(stored, null, 2)}\n`);
    await rename(partial, this.file);
  }

  async remove(): Promise<void> {
    await rm(this.file, { force: true });
  }
}

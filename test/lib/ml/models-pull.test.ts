import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipOnnxEmbedder } from '#lib/ml/embedders/clip-onnx';
import { MODEL_EXPORTS, ModelPullError, pullModel, type PullEvent } from '#lib/ml/models-pull';
import { writeTinyClip } from '#test/support/tiny-clip';
import { runProcess, scratchDir, type CliRun } from '#test/support/cli';

const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const NAME = 'clip-vit-base-patch32';

/**
 * A mirror of the export on localhost: the tiny model's files at the paths the manifest names.
 * It answers Range requests, and can be told to cut a file's answer short once.
 */
interface Mirror {
  url: string;
  /** Request path → the Range header it came with ('' for none). */
  requests: { path: string; range: string }[];
  cutShortOnce: Set<string>;
  missing: Set<string>;
}

let mirror: Mirror;
let server: Server;
let files: Map<string, Buffer>;

beforeAll(async () => {
  const source = scratchDir('mirror');
  await writeTinyClip(source);
  files = new Map();
  for (const { remote, local } of MODEL_EXPORTS[NAME].files) files.set(`/mirror/${remote}`, await readFile(join(source, local)));

  const state = { requests: [] as Mirror['requests'], cutShortOnce: new Set<string>(), missing: new Set<string>() };
  server = createServer((request, response) => {
    const path = request.url ?? '';
    const range = String(request.headers.range ?? '');
    state.requests.push({ path, range });
    const body = files.get(path);
    if (!body || state.missing.has(path)) return response.writeHead(404).end('not found');
    const start = Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0);
    if (start >= body.length && range) return response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    const slice = body.subarray(start);
    const headers = { 'content-length': String(slice.length), 'content-type': 'application/octet-stream' };
    if (range) response.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    else response.writeHead(200, headers);
    if (state.cutShortOnce.delete(path)) {
      // Half the file, then the connection drops (after the client has had time to store that half).
      response.write(slice.subarray(0, Math.floor(slice.length / 2)));
      setTimeout(() => response.destroy(), 100);
      return;
    }
    response.end(slice);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mirror/`, ...state };
});

afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

/** What the mirror serves at a path. */
function served(path: string): Buffer {
  const bytes = files.get(path);
  if (!bytes) throw new Error(`the mirror has nothing at ${path}`);
  return bytes;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Inside this file's data folder, which is removed after the file (nothing is left in the temp dir). */
async function scratch(): Promise<string> {
  return scratchDir('pull');
}

function frameseek(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runProcess(process.execPath, ['--import', 'tsx', 'bin/cli/main.ts', ...args], {
    cwd: PROJECT_ROOT,
    // tsx and anything the CLI spills go to this file's data folder, not the temp dir.
    env: { ...process.env, TSX_DISABLE_CACHE: '1', TMPDIR: scratchDir('cli-tmp'), ...env },
  });
}

describe('pullModel', () => {
  it('downloads every file of the export into <dir>/<name>/, each with its sha256, and the embedder loads it', async () => {
    const modelDir = await scratch();
    const events: PullEvent[] = [];

    const pulled = await pullModel({ name: NAME, modelDir, baseUrl: mirror.url, onEvent: (event) => events.push(event) });

    expect(pulled.folder).toBe(join(modelDir, NAME));
    for (const { remote, local } of MODEL_EXPORTS[NAME].files) {
      const expected = served(`/mirror/${remote}`);
      const stored = await readFile(join(modelDir, NAME, local));
      expect(stored.equals(expected)).toBe(true);
      expect(pulled.files.find((file) => file.file === local)).toEqual({ file: local, bytes: expected.length, sha256: sha256(expected), skipped: false });
      expect(await readFile(join(modelDir, NAME, `${local}.sha256`), 'utf8')).toBe(`${sha256(expected)}  ${local}\n`);
    }
    expect((await readdir(join(modelDir, NAME))).filter((file) => file.endsWith('.part'))).toEqual([]);
    expect(events.filter((event) => event.type === 'done')).toHaveLength(MODEL_EXPORTS[NAME].files.length);

    const embedder = new ClipOnnxEmbedder({ modelDir, name: NAME });
    const [red] = await embedder.embedText(['red']);
    const [redFrame, blueFrame] = await embedder.embedImages([
      await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ff0000' } })
        .png()
        .toBuffer(),
      await sharp({ create: { width: 64, height: 64, channels: 3, background: '#0000ff' } })
        .png()
        .toBuffer(),
    ]);
    const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, index) => sum + value * b[index], 0);
    expect(cosine(red, redFrame)).toBeGreaterThan(cosine(red, blueFrame));
    const textDigest = sha256(served('/mirror/onnx/text_model.onnx'));
    const visionDigest = sha256(served('/mirror/onnx/vision_model.onnx'));
    expect(embedder.id).toBe(`clip-onnx:${NAME}@${sha256(Buffer.from(`${textDigest}\n${visionDigest}`)).slice(0, 12)}`);
  });

  it('resumes a cut-off download from its .part file with a Range request', async () => {
    const modelDir = await scratch();
    const path = '/mirror/onnx/text_model.onnx';
    mirror.cutShortOnce.add(path);

    const failure = await pullModel({ name: NAME, modelDir, baseUrl: mirror.url }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ModelPullError);
    expect((failure as ModelPullError).code).toBe('DOWNLOAD_FAILED');
    expect(existsSync(join(modelDir, NAME, 'text_model.onnx'))).toBe(false);
    const partial = await readFile(join(modelDir, NAME, 'text_model.onnx.part'));
    expect(partial.length).toBeGreaterThan(0);

    const before = mirror.requests.length;
    await pullModel({ name: NAME, modelDir, baseUrl: mirror.url });

    expect(mirror.requests.slice(before).find((request) => request.path === path)?.range).toBe(`bytes=${partial.length}-`);
    expect((await readFile(join(modelDir, NAME, 'text_model.onnx'))).equals(served(path))).toBe(true);
    expect(existsSync(join(modelDir, NAME, 'text_model.onnx.part'))).toBe(false);
  });

  it('skips files an earlier pull completed', async () => {
    const modelDir = await scratch();
    await pullModel({ name: NAME, modelDir, baseUrl: mirror.url });
    const before = mirror.requests.length;

    const again = await pullModel({ name: NAME, modelDir, baseUrl: mirror.url });

    expect(mirror.requests.length).toBe(before);
    expect(again.files.every((file) => file.skipped)).toBe(true);
  });

  it('fails on a file the mirror does not have, leaving no file under its final name', async () => {
    const modelDir = await scratch();
    mirror.missing.add('/mirror/onnx/vision_model.onnx');
    try {
      const failure = await pullModel({ name: NAME, modelDir, baseUrl: mirror.url }).catch((error: unknown) => error);

      expect(failure).toMatchObject({ code: 'DOWNLOAD_FAILED' });
      expect((failure as Error).message).toContain('HTTP 404');
      expect(existsSync(join(modelDir, NAME, 'vision_model.onnx'))).toBe(false);
    } finally {
      mirror.missing.clear();
    }
  });

  it('refuses a name it has no manifest for', async () => {
    await expect(pullModel({ name: '../../etc', modelDir: await scratch(), baseUrl: mirror.url })).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
  });
});

describe('frameseek models pull', () => {
  it('pulls into --dir from --from and prints each file with its sha256', async () => {
    const modelDir = await scratch();

    const run = await frameseek(['models', 'pull', NAME, '--from', mirror.url, '--dir', modelDir]);

    expect(run.stderr).not.toContain('error');
    expect(run.code).toBe(0);
    const digest = sha256(served('/mirror/onnx/vision_model.onnx'));
    expect(run.stdout).toMatch(new RegExp(`^vision_model\\.onnx\\s+\\S+ \\S+\\s+sha256 ${digest}$`, 'm'));
    expect(run.stdout).toContain(`FRAMESEEK_CLIP_MODEL=${NAME}`);
    expect(existsSync(join(modelDir, NAME, 'text_model.onnx'))).toBe(true);
  });

  it('takes the mirror and folder from FRAMESEEK_MODEL_BASE_URL and FRAMESEEK_MODEL_DIR', async () => {
    const modelDir = join(await scratch(), 'models');
    await mkdir(modelDir);

    const run = await frameseek(['models', 'pull', NAME], { FRAMESEEK_MODEL_BASE_URL: mirror.url, FRAMESEEK_MODEL_DIR: modelDir });

    expect(run.code).toBe(0);
    expect(existsSync(join(modelDir, NAME, 'merges.txt'))).toBe(true);
  });

  it('says which names it knows when given another', async () => {
    const run = await frameseek(['models', 'pull', 'no-such-model', '--from', mirror.url, '--dir', await scratch()]);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: UNKNOWN_MODEL: .*clip-vit-base-patch32/m);
  });
});

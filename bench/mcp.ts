import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { stats, type Stats } from './support';

const run = promisify(execFile);
const QUERIES = ['test pattern', 'colour bars', 'a tone', 'moving square', 'numbers on screen'];

/**
 * `search_videos` through the remote MCP endpoint beside the same searches through `POST /v1/search`, on
 * one runtime and account with one indexed clip: what the MCP layer (JSON-RPC, the tool's shaping of
 * clips) costs over the plain route. Sequential calls; the MCP client is connected once, as an agent's is.
 */
export async function mcpBench(url: string, key: string, collectionId: string, calls: number): Promise<void> {
  await indexOneClip(url, key, collectionId);
  const search = await timed(calls, async (index) => {
    const response = await fetch(`${url}/v1/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERIES[index % QUERIES.length] }),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`POST /v1/search answered ${response.status}`);
  });
  const client = new McpClient({ name: 'frameseek-bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  try {
    const mcp = await timed(calls, async (index) => {
      const result = await client.callTool({ name: 'search_videos', arguments: { query: QUERIES[index % QUERIES.length] } });
      if (result.isError) throw new Error(`search_videos failed: ${JSON.stringify(result.content)}`);
    });
    console.log(`\nSearch through MCP and through the route (one indexed clip, ${calls} sequential calls each)`);
    console.log(`  POST /v1/search           p50 ${search.p50.toFixed(1).padStart(6)} ms  p99 ${search.p99.toFixed(1).padStart(6)} ms`);
    console.log(
      `  MCP search_videos (/mcp)  p50 ${mcp.p50.toFixed(1).padStart(6)} ms  p99 ${mcp.p99.toFixed(1).padStart(6)} ms  (${(mcp.p50 / search.p50).toFixed(2)}× the route's p50)`,
    );
  } finally {
    await client.close();
  }
}

async function timed(count: number, call: (index: number) => Promise<void>): Promise<Stats> {
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await call(index);
    samples.push(performance.now() - started);
  }
  return stats(samples);
}

/** A six-second test pattern with a tone, uploaded in one request and indexed. */
async function indexOneClip(url: string, key: string, collectionId: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'frameseek-bench-mcp-'));
  try {
    const clip = join(dir, 'clip.mp4');
    const lavfi = ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440'];
    await run('ffmpeg', ['-v', 'error', '-y', ...lavfi, '-t', '6', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip]);
    const form = new FormData();
    form.set('collection_id', collectionId);
    form.set('file', new Blob([readFileSync(clip)], { type: 'video/mp4' }), 'clip.mp4');
    const upload = await fetch(`${url}/v1/upload`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    const jobId = ((await upload.json()) as { data?: { job_id?: string } }).data?.job_id;
    if (!jobId) throw new Error(`the clip was not accepted (${upload.status})`);
    for (let waited = 0; waited < 300_000; waited += 500) {
      const job = (await (await fetch(`${url}/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { data?: { status?: string } };
      if (job.data?.status === 'done') return;
      if (job.data?.status === 'failed') throw new Error('the clip failed to index');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error('the clip was not indexed within 5 minutes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

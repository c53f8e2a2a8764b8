import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { buildConsole } from '#infra/console-build';
import { stats } from './support';

/** issue 22: the console's JavaScript, gzipped, stays within this. */
const JS_GOAL_BYTES = 150 * 1024;
const LOADS = 7;

/**
 * The web console's weight and first load: its files as built (minified, then gzipped as a CDN serves
 * them) against the 150 KB goal, and first contentful paint of `/` from the local host in headless
 * Chromium (Debian's, through playwright-core), each load in a fresh context so nothing is cached.
 */
export async function consoleBench(url: string): Promise<void> {
  const files = await buildConsole();
  console.log('\nWeb console (web/, esbuild, minified; gzip level 9)');
  for (const file of files) {
    const gzipped = gzipSync(file.body, { level: 9 }).length;
    const goal = file.path.endsWith('.js') ? `  ${(gzipped / JS_GOAL_BYTES).toFixed(2)}× of the ${JS_GOAL_BYTES / 1024} KB goal` : '';
    console.log(
      `  ${file.path.padEnd(12)} ${(file.body.length / 1024).toFixed(1).padStart(6)} KB  gzipped ${(gzipped / 1024).toFixed(1).padStart(5)} KB${goal}`,
    );
  }

  const executablePath = (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'chromium'))
    .find((path) => existsSync(path));
  if (!executablePath) {
    console.log('  first contentful paint: skipped (no chromium on PATH; bin/setup installs it)');
    return;
  }
  // The local host builds the console on its first request; that build is not part of a page load.
  await (await fetch(new URL('/app.js', url))).arrayBuffer();
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const paints: number[] = [];
    const interactive: number[] = [];
    for (let load = 0; load < LOADS; load += 1) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(url, { waitUntil: 'load' });
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      const [fcp, ready] = await page.evaluate(() => [performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN, performance.now()]);
      paints.push(fcp ?? NaN);
      interactive.push(ready ?? NaN);
      await context.close();
    }
    const fcp = stats(paints);
    const shown = stats(interactive);
    console.log(`  first contentful paint of / (local host, ${LOADS} cold loads): p50 ${fcp.p50.toFixed(0)} ms  p99 ${fcp.p99.toFixed(0)} ms`);
    console.log(`  log-in form on screen:                              p50 ${shown.p50.toFixed(0)} ms  p99 ${shown.p99.toFixed(0)} ms`);
  } finally {
    await browser.close();
  }
}

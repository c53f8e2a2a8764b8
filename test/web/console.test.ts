import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, useTestApi } from '#test/support/api';
import { mediaPath } from '#test/support/media';
import { makeTalkingVideo, standardScenes, type MediaManifest } from '#test/support/talking-media';
import { croppedFrame } from '#test/support/search-requests';
import { launchChromium } from '#test/support/chromium';

const api = useTestApi();
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * The console (web/) in headless Chromium — Debian's, driven by playwright-core — against the real local
 * runtime, one person's way through it. Each step leaves a screenshot, a test artefact kept after the run
 * (test-artifacts/console, gitignored, or $FRAMESEEK_TEST_ARTIFACTS/console), and axe-core checks each page
 * for serious or critical violations.
 */
const SHOTS = join(process.env.FRAMESEEK_TEST_ARTIFACTS ?? fileURLToPath(new URL('../../test-artifacts', import.meta.url)), 'console');
let browser: Browser;
let page: Page;
let clip: MediaManifest;
const violations: string[] = [];
let step = 0;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // Two scenes (~10 s): "my brother plays the piano…" then "the pilot flies the plane…", as WebM (VP9 plays in any Chromium).
  clip = await makeTalkingVideo('console-clip', { scenes: standardScenes.slice(0, 2), container: 'webm', minSceneSecs: 5 });
  browser = await launchChromium(['--autoplay-policy=no-user-gesture-required', '--mute-audio']);
  page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  page.on('dialog', (dialog) => void dialog.accept());
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

/** A screenshot of this step, and the page's serious or critical accessibility violations (and any width past 360 px) noted. */
async function checkpoint(name: string): Promise<void> {
  step += 1;
  await page.screenshot({ path: join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
  // Works at 360 px: nothing wider than the screen.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > 360) violations.push(`${name}: the page is ${width} px wide at 360 px`);
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const found = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (context: Document) => Promise<{ violations: Array<{ id: string; impact: string | null; nodes: unknown[] }> }> } }
    ).axe;
    const result = await axe.run(document);
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.id} (${violation.nodes.length})`);
  });
  violations.push(...found.map((violation) => `${name}: ${violation}`));
}

describe('the web console', () => {
  it('serves its page at / and leaves /docs and the API where they were', async () => {
    const root = await api.get('/');
    const script = await api.get('/app.js');
    const docs = await api.get('/docs');
    const health = await api.get('/v1/health');
    const unknown = await api.get('/nothing-here');
    const checkoutReturn = await api.get('/billing?checkout=success');

    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toMatch(/^text\/html/);
    expect(root.text).toContain('<script type="module" src="/app.js">');
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(docs.text).toContain('/docs/swagger-ui.js');
    expect(health.status).toBe(200);
    expect(unknown.status).toBe(404);
    expect(checkoutReturn.text).toBe(root.text);
  });

  it('signs up, makes and revokes a key, manages collections, uploads and indexes a video, searches by text and image, plays the moment, hides a result, reads the transcript, and shows billing', async () => {
    const base = api.runtime().url;
    const email = `console-${Date.now()}@example.com`;

    // Sign up.
    await page.goto(`${base}/#/signup`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password/).fill('correct horse battery staple');
    await checkpoint('signup');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();

    // A key, shown once.
    await page.getByLabel('Name').fill('laptop');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.locator('[data-testid="new-key"] code').textContent();
    expect(secret).toMatch(/^fsk_/);
    await expect.poll(() => page.locator('td code').first().textContent()).toBe(`${secret?.slice(0, 12)}…`);
    await checkpoint('key-created');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.locator('[data-testid="new-key"]').count()).toBe(0);
    // Revoked (after the confirmation, which this page accepts); the console itself runs on the session.
    await page.getByRole('button', { name: 'Revoke laptop' }).click();
    await page.getByRole('cell', { name: 'revoked' }).waitFor();

    // A collection.
    await page.getByRole('link', { name: 'Collections' }).click();
    await page.getByLabel('New collection').fill('Demos');
    await page.getByRole('button', { name: 'Create collection' }).click();
    await page.getByRole('link', { name: 'Demos' }).waitFor();
    // Another, renamed, then deleted.
    await page.getByLabel('New collection').fill('Scratch');
    await page.getByRole('button', { name: 'Create collection' }).click();
    await page.getByRole('button', { name: 'Rename Scratch' }).click();
    await page.getByLabel('New name for Scratch').fill('Scratch two');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Delete Scratch two' }).click();
    await expect.poll(() => page.locator('ul.grid > li').count()).toBe(1);
    await page.getByRole('link', { name: 'Demos' }).click();
    await page.getByRole('heading', { name: 'Demos' }).waitFor();
    await checkpoint('collection');

    // Upload, slowed so the bar visibly moves; record every value the bar shows.
    const network = await page.context().newCDPSession(page);
    await network.send('Network.enable');
    await network.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 150 * 1024 });
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { progressSeen: number[] }).progressSeen = seen;
      const watch = () => {
        const bar = document.querySelector<HTMLProgressElement>('.upload-progress');
        if (bar) seen.push(bar.value / bar.max);
        requestAnimationFrame(watch);
      };
      watch();
    });
    await page.getByLabel(/Drop videos here/).setInputFiles(clip.path);
    await page.locator('[data-phase="indexing"]').waitFor({ timeout: 30_000 });
    await network.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await checkpoint('indexing');
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
    expect(seen.some((value) => value > 0 && value < 1)).toBe(true);
    await page.locator('[data-phase="ready"]').waitFor({ timeout: 150_000 });
    await expect.poll(() => page.locator('.video-status').first().textContent(), { timeout: 10_000 }).toBe('ready');
    await checkpoint('ready');

    // Text search: a thumbnail, and a click plays the moment.
    await page.getByRole('link', { name: 'Search this collection' }).click();
    await page.getByLabel('What are you looking for?').fill('the pilot flies the plane');
    const answered = page.waitForResponse((response) => response.url().endsWith('/v1/search'));
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const hits = ((await (await answered).json()) as { data: Array<{ segments: Array<{ timestamp_start: number }> }> }).data;
    const start = hits[0]?.segments[0]?.timestamp_start ?? -1;
    const moment = page.locator('button.moment').first();
    await moment.locator('img').waitFor();
    await expect.poll(() => moment.locator('img').evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0)).toBe(true);
    await checkpoint('text-search');
    await moment.click();
    const video = page.locator('.player video');
    await expect.poll(() => video.evaluate((element: HTMLVideoElement) => element.readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    const at = await video.evaluate((element: HTMLVideoElement) => element.currentTime);
    expect(Math.abs(at - start)).toBeLessThanOrEqual(1);
    expect(start).toBeGreaterThan(2);
    await checkpoint('playing');

    // Hide a result, then undo.
    await page
      .getByRole('button', { name: /^Hide the moment/ })
      .first()
      .click();
    await page.getByText('Hidden from your results.').waitFor();
    await checkpoint('hidden');
    await page.getByRole('button', { name: 'Undo' }).click();
    await page
      .getByRole('button', { name: /^Hide the moment/ })
      .first()
      .waitFor();

    // Image search by file.
    await page.getByLabel('What are you looking for?').fill('');
    await page.getByLabel(/example image/).setInputFiles({ name: 'frame.jpg', mimeType: 'image/jpeg', buffer: await croppedFrame(clip.path, 7, 'jpeg') });
    const byImage = page.waitForResponse((response) => response.url().endsWith('/v1/search'));
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    expect((await byImage).status()).toBe(200);
    await page.locator('.results h2', { hasText: 'console-clip' }).first().waitFor();
    await checkpoint('image-search');

    // Video page with its transcript.
    await page.getByRole('link', { name: 'Transcript and details' }).click();
    await page.locator('.transcript .line').first().waitFor();
    await checkpoint('video');
    const line = page.locator('.transcript .line', { hasText: 'pilot' }).first();
    const lineStart = clip.speech[1]?.start ?? 0;
    await line.click();
    await expect.poll(() => page.locator('video.player').evaluate((element: HTMLVideoElement) => element.currentTime)).toBeGreaterThan(lineStart - 2);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download WebVTT' }).click();
    const subtitles = readFileSync((await (await download).path()) ?? '', 'utf8');
    expect(subtitles).toMatch(/^WEBVTT/);
    expect(subtitles).toContain('pilot');

    // Billing without Stripe: the API's own message.
    await page.getByRole('link', { name: 'Billing' }).click();
    await page.getByText('Plan').first().waitFor();
    const refused = page.waitForResponse((response) => response.url().endsWith('/v1/billing/checkout'));
    await page.getByRole('button', { name: /Stripe Checkout/ }).click();
    const message = ((await (await refused).json()) as { detail: { code: string; message: string } }).detail;
    expect(message.code).toBe('BILLING_NOT_CONFIGURED');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe(message.message);
    await checkpoint('billing');

    // Stripe Checkout's way back (/billing?checkout=…) lands on this page.
    await page.goto(`${base}/billing?checkout=cancelled`);
    await page.getByText('Checkout was cancelled; nothing was charged.').waitFor();
    expect(new URL(page.url()).hash).toBe('#/billing?checkout=cancelled');

    // Log out: back to log in.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await checkpoint('logged-out');

    expect(violations).toEqual([]);
  }, 240_000);

  it('goes back to log in, saying why, when the session is no longer accepted', async () => {
    const base = api.runtime().url;
    const fresh = await browser.newPage();
    await fresh.goto(`${base}/#/login`);
    await fresh.evaluate(() => localStorage.setItem('frameseek.session', 'fss_thisSessionDoesNotExist'));

    await fresh.goto(`${base}/#/collections`);

    await fresh.getByText('Your session ended; log in again.').waitFor();
    expect(await fresh.getByRole('heading', { level: 1 }).textContent()).toBe('Log in');
    expect(await fresh.evaluate(() => localStorage.getItem('frameseek.session'))).toBeNull();
    await fresh.close();
  });

  it('resumes a multipart upload after a reload from the parts already stored, and indexes it', async () => {
    const base = api.runtime().url;
    const { token } = await signUp(api);
    const collection = await api.post('/v1/collections', { token, body: { name: 'Resumed' } });
    const large = await mediaPath('large.mp4'); // ~2.5 MB: ten 256 KB parts at the tests' multipart sizes
    const tab = await browser.newPage({ viewport: { width: 1024, height: 800 } });
    await tab.goto(`${base}/#/login`);
    await tab.evaluate((session) => localStorage.setItem('frameseek.session', session), token);
    await tab.goto(`${base}/#/collections/${String(collection.body.data.id)}`);
    const network = await tab.context().newCDPSession(tab);
    await network.send('Network.enable');
    await network.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    await tab.getByLabel(/Drop videos here/).setInputFiles(large);
    const share = () =>
      tab
        .locator('.upload-progress')
        .first()
        .evaluate((bar: HTMLProgressElement) => bar.value / bar.max);
    await expect.poll(share, { timeout: 20_000 }).toBeGreaterThan(0.35);

    // Still slowed after the reload: the bar's first value shows where sending started again.
    await tab.reload();
    await tab.getByRole('heading', { name: 'Interrupted uploads' }).waitFor();
    await tab.getByLabel(/^Resume large\.mp4/).setInputFiles(large);
    const resumedFrom = await (async () => {
      await expect.poll(share).toBeGreaterThan(0);
      return share();
    })();

    expect(resumedFrom).toBeGreaterThanOrEqual(0.1);
    await tab.locator('[data-phase="ready"]').waitFor({ timeout: 120_000 });
    expect(await tab.getByRole('heading', { name: 'Interrupted uploads' }).count()).toBe(0);
    await tab.close();
  }, 180_000);
});

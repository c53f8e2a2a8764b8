import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { signUp, useTestApi } from '#test/support/api';
import { useClock, useSystemClock } from '#lib/clock';
import { launchChromium } from '#test/support/chromium';

// The plans table's real rate limits (the rest of the suite raises them); hoisted, so it happens before config is read.
vi.hoisted(() => {
  delete process.env.FRAMESEEK_PLAN_OVERRIDES;
});
const api = useTestApi();
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});
afterEach(() => useSystemClock());

describe('the web console under a rate limit', () => {
  it('waits for Retry-After with a visible note, then tries again and succeeds', async () => {
    // Two seconds before a minute's window ends, with the minute's 30 collection writes spent.
    let now = (Math.floor(Date.now() / 60_000) + 5) * 60_000 + 58_000;
    useClock({ now: () => new Date(now) });
    const { token } = await signUp(api);
    for (let index = 0; index < 30; index += 1) await api.post('/v1/collections', { token, body: { name: `c${index}` } });
    const page = await browser.newPage();
    await page.goto(`${api.runtime().url}/#/login`);
    await page.evaluate((session) => localStorage.setItem('frameseek.session', session), token);
    await page.goto(`${api.runtime().url}/#/collections`);
    await page.getByLabel('New collection').fill('One more');

    await page.getByRole('button', { name: 'Create collection' }).click();
    await page.getByText(/Too many requests: trying again in \d+ s/).waitFor();
    now += 10_000; // the next window
    await page.getByRole('link', { name: 'One more' }).waitFor({ timeout: 20_000 });

    expect(await page.getByText(/Too many requests/).count()).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.close();
  }, 60_000);
});

import { beforeAll, describe, expect, it } from 'vitest';
import { createKey, signUp, useTestApi } from '#test/support/api';
import { runFuzz } from '#test/fuzz/fuzz';

/**
 * The seeded slice of the route fuzz that runs with every test run (issue 19, "Fuzz"); `npm run fuzz --
 * --cases N --seed S` runs as many as wanted against a runtime of its own. A failure prints the requests
 * that broke the contract, and the seed reproduces them.
 */
const api = useTestApi();
const CASES = 600;
const SEED = 19;

let sessionToken = '';
let apiKey = '';
beforeAll(async () => {
  sessionToken = (await signUp(api)).token;
  apiKey = (await createKey(api, sessionToken)).key;
});

describe('every route of the route table, under random input', () => {
  it(`answers ${CASES} random requests (seed ${SEED}) without a 5xx, every error in the envelope with a catalogue code at its status`, async () => {
    const report = await runFuzz({ baseUrl: api.runtime().url, sessionToken, apiKey }, { cases: CASES, seed: SEED });

    expect(report.cases).toBe(CASES);
    expect(report.failures.slice(0, 5)).toEqual([]);
    // The cases reached past the front door, not only into 401s and 404s.
    expect(Object.keys(report.statuses)).toEqual(expect.arrayContaining(['200', '401', '404', '422']));
  }, 180_000);
});

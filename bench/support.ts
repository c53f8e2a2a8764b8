import { existsSync, readFileSync } from 'node:fs';

/** What the benchmarks share: latency figures, seeded randomness and a word list for synthetic text. */
export interface Stats {
  p50: number;
  p99: number;
  mean: number;
  count: number;
}

export function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const quantile = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
  return { p50: quantile(0.5), p99: quantile(0.99), mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length), count: sorted.length };
}

export type RandomSource = ReturnType<typeof randomSource>;

/** mulberry32: the same seed gives the same library on every run, so runs compare. */
export function randomSource(start: number) {
  let seed = start;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(random() * items.length)] as T;
  };
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return { random, between, pick, gaussian };
}

/** 6000 real English words when the PocketSphinx dictionary is installed, else pronounceable inventions. */
export function wordList(rng: RandomSource): string[] {
  const dictionary = '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict';
  const candidates = existsSync(dictionary)
    ? readFileSync(dictionary, 'utf8')
        .split('\n')
        .map((line) => line.split(' ')[0] ?? '')
        .filter((word) => /^[a-z]{3,11}$/.test(word))
    : Array.from({ length: 20_000 }, () =>
        Array.from({ length: rng.between(1, 4) }, () => rng.pick(['ka', 'lo', 'mi', 'ter', 'son', 'pra', 'vel', 'dun', 'ish', 'or'])).join(''),
      );
  const words = new Set<string>();
  while (words.size < 6000) words.add(rng.pick(candidates));
  return [...words];
}

/** POST a JSON body to the API (optionally signed in) and give back the envelope's `data`; anything but 2xx throws. */
export async function postJson<T>(url: string, path: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} → ${response.status}: ${text}`);
  return (JSON.parse(text) as { data: T }).data;
}

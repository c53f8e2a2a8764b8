import { consumeRateLimit } from '#lib/http/rate-limit';
import { dynamoClient } from '#lib/db/client';

/**
 * Run by bench/billing.ts as a child process, with the settings of the local stack it benchmarks
 * (FRAMESEEK_DYNAMODB_ENDPOINT, FRAMESEEK_TABLE_NAME, FRAMESEEK_PLAN_OVERRIDES): times the rate
 * limiter itself — `consumeRateLimit`, exactly what every rate-limited request awaits before its
 * handler runs (one conditional ADD on the window's counter) — and prints the figures as JSON.
 */

const count = Number(process.argv[2] ?? '300');
const scope = { kind: 'account', accountId: `acc_probe_${process.pid}` } as const;

for (let index = 0; index < 20; index += 1) await consumeRateLimit(scope, 'collections_read');
const samples: number[] = [];
for (let index = 0; index < count; index += 1) {
  const started = performance.now();
  const decision = await consumeRateLimit(scope, 'collections_read');
  samples.push(performance.now() - started);
  if (!decision.allowed) throw new Error('the probe ran into the limit: raise collections_read for the bench');
}
samples.sort((a, b) => a - b);
const at = (fraction: number) => samples[Math.min(samples.length - 1, Math.floor(fraction * samples.length))] ?? Number.NaN;
process.stdout.write(`${JSON.stringify({ p50: at(0.5), p99: at(0.99), mean: samples.reduce((sum, value) => sum + value, 0) / samples.length })}\n`);
dynamoClient.destroy();

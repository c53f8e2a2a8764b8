import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRIC, METRICS_NAMESPACE, metricsRecorder } from '#lib/metrics';

interface EmfLine {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [field: string]: unknown;
}

/** The EMF lines written to stdout while `act` runs: what CloudWatch Logs turns into metrics in Lambda. */
function emfLinesOf(act: () => void): EmfLine[] {
  const written: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    act();
  } finally {
    write.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfLine);
}

function pointOf(line: EmfLine): { name: string; unit: string; dimensions: Record<string, unknown>; value: unknown } {
  const [directive] = line._aws.CloudWatchMetrics;
  const [metric] = directive?.Metrics ?? [];
  const names = directive?.Dimensions[0] ?? [];
  return {
    name: metric?.Name ?? '',
    unit: metric?.Unit ?? '',
    dimensions: Object.fromEntries(names.map((name) => [name, line[name]])),
    value: line[metric?.Name ?? ''],
  };
}

afterEach(() => vi.restoreAllMocks());

describe('metrics', () => {
  it('writes an answer as requests and latency by route, and an error also by route and by code, in the Frameseek namespace', () => {
    const recorder = metricsRecorder(true);

    const lines = emfLinesOf(() => recorder.recordAnswer({ route: 'search', status: 404, code: 'COLLECTION_NOT_FOUND', durationMs: 12 }));

    expect(lines.map((line) => line._aws.CloudWatchMetrics[0]?.Namespace)).toEqual(Array(4).fill(METRICS_NAMESPACE));
    expect(lines.map(pointOf)).toEqual([
      { name: METRIC.requests, unit: 'Count', dimensions: { service: 'frameseek', route: 'search' }, value: 1 },
      { name: METRIC.latency, unit: 'Milliseconds', dimensions: { service: 'frameseek', route: 'search' }, value: 12 },
      { name: METRIC.errorResponses, unit: 'Count', dimensions: { service: 'frameseek', route: 'search' }, value: 1 },
      { name: METRIC.errorsByCode, unit: 'Count', dimensions: { service: 'frameseek', code: 'COLLECTION_NOT_FOUND' }, value: 1 },
    ]);
  });

  it('writes job outcomes, search latency and indexing seconds per video minute', () => {
    const recorder = metricsRecorder(true);

    const lines = emfLinesOf(() => {
      recorder.recordJobFinished('failed');
      recorder.recordSearch(31);
      recorder.recordIndexing(90, 600);
    });

    expect(lines.map(pointOf)).toEqual([
      { name: METRIC.jobsFinished, unit: 'Count', dimensions: { service: 'frameseek', outcome: 'failed' }, value: 1 },
      { name: METRIC.searchLatency, unit: 'Milliseconds', dimensions: { service: 'frameseek' }, value: 31 },
      { name: METRIC.indexingSecondsPerVideoMinute, unit: 'Seconds', dimensions: { service: 'frameseek' }, value: 9 },
    ]);
  });

  it('writes nothing when off, as it is outside AWS', () => {
    const recorder = metricsRecorder(false);

    const lines = emfLinesOf(() => recorder.recordAnswer({ route: 'search', status: 500, code: 'INTERNAL_ERROR', durationMs: 3 }));

    expect(lines).toEqual([]);
  });
});

import { Presets, SingleBar } from 'cli-progress';
import { waitForJob, type FrameseekApi, type Job } from '#sdk/index';

/** Exit code of `jobs watch` for a job that failed (documented in the README's CLI section). */
export const JOB_FAILED_EXIT = 3;

/** How the job's progress is shown while it runs: a bar on a terminal, a line per change elsewhere. */
interface JobDisplay {
  update(job: Job): void;
  stop(): void;
}

function jobDisplay(stream: NodeJS.WriteStream, jobId: string): JobDisplay {
  if (!stream.isTTY) {
    // Logs and pipes get one line per change, not redraws.
    let last = '';
    return {
      update(job) {
        const line = `${job.status} ${job.stage} ${job.progress_pct}%`;
        if (line !== last) stream.write(`${jobId}  ${line}\n`);
        last = line;
      },
      stop: () => undefined,
    };
  }
  const bar = new SingleBar(
    { stream, format: `${jobId} [{bar}] {percentage}% | {status} {stage}`, hideCursor: true, clearOnComplete: false, gracefulExit: false },
    Presets.shades_classic,
  );
  // A Ctrl-C leaves through process.exit: the cursor must come back even then.
  const restoreTerminal = () => bar.stop();
  process.once('exit', restoreTerminal);
  bar.start(100, 0, { status: 'queued', stage: '' });
  return {
    update: (job) => bar.update(job.progress_pct, { status: job.status, stage: job.stage }),
    stop: () => {
      process.removeListener('exit', restoreTerminal);
      bar.stop();
    },
  };
}

/** Follows a job until it is done or failed, showing its progress on stderr; returns the finished job. */
export async function watchJob(client: FrameseekApi, jobId: string, intervalMs: number): Promise<Job> {
  const display = jobDisplay(process.stderr, jobId);
  try {
    return await waitForJob(client, jobId, { intervalMs, onUpdate: (job) => display.update(job) });
  } finally {
    display.stop();
  }
}

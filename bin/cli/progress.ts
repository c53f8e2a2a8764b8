import { Presets, SingleBar } from 'cli-progress';

/** Bytes of the file stored so far, drawn as a bar when a person is watching. */
export interface ByteProgress {
  add(bytes: number): void;
  /** Removes the bar (if any) without a closing line: the run is failing and says so elsewhere. */
  stop(): void;
  /** Removes the bar (if any) and writes one closing line, on a terminal or not. */
  finish(line: string): void;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * A bar on the stream when it is a terminal; elsewhere (logs, CI, pipes) redraws would only be
 * noise, so nothing is drawn until the closing line.
 */
export function byteProgress(stream: NodeJS.WriteStream, total: number, alreadyStored: number): ByteProgress {
  if (!stream.isTTY) {
    return {
      add: () => undefined,
      stop: () => undefined,
      finish: (line) => {
        stream.write(`${line}\n`);
      },
    };
  }

  let value = alreadyStored;
  const bar = new SingleBar(
    {
      stream,
      format: 'uploading [{bar}] {percentage}% | {stored} of {size} | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      gracefulExit: false,
    },
    Presets.shades_classic,
  );
  // Ctrl-C and the test stop switch leave through process.exit: the cursor must come back even then.
  const restoreTerminal = () => bar.stop();
  process.once('exit', restoreTerminal);
  bar.start(total, value, { stored: formatBytes(value), size: formatBytes(total) });
  const stop = () => {
    process.removeListener('exit', restoreTerminal);
    bar.stop();
  };
  return {
    add: (bytes) => {
      value += bytes;
      bar.update(value, { stored: formatBytes(value) });
    },
    stop,
    finish: (line) => {
      stop();
      stream.write(`${line}\n`);
    },
  };
}

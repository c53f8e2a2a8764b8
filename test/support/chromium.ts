import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (bin/setup installs it), found on PATH as the /docs test runs it; playwright-core downloads no browser. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const executablePath = (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'chromium'))
    .find((path) => existsSync(path));
  return chromium.launch({ executablePath: executablePath ?? 'chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', ...extraArgs] });
}

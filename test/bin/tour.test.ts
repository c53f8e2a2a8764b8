import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '#infra/local/runtime';

/** The README's tour is bin/tour's text: what a reader copies is what the script runs and checks. */
function readmeTour(): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A two-minute tour'));
  const block = section.match(/```sh\n([\s\S]*?)\n```/);
  if (!block?.[1]) throw new Error('README has no tour block');
  return block[1];
}

describe('the README tour', () => {
  it('is bin/tour, line for line, after the script header', () => {
    const script = readFileSync(join(PROJECT_ROOT, 'bin/tour'), 'utf8');

    const body = script.slice(script.indexOf('\n\n') + 2).trimEnd();

    expect(body).toBe(readmeTour());
  });
});

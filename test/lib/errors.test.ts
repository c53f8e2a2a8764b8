import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, JOB_ERROR_CODES } from '#lib/errors';
import { ERRORS_DOC_PATH, renderErrorsDoc } from '../../bin/docs/errors.ts';

/** The code → status rows of the repository's own error table (docs/errors.md). */
function documentedTable(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of readFileSync(ERRORS_DOC_PATH, 'utf8').split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const code = cells.find((cell) => /^[A-Z][A-Z_]+$/.test(cell));
    const status = cells.find((cell) => /^\d{3}$/.test(cell));
    if (code && status) rows.set(code, Number(status));
  }
  return rows;
}

describe('error catalogue', () => {
  it('holds every code of docs/errors.md with exactly its status', () => {
    const documented = documentedTable();

    const catalogue = new Map(Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [code, entry.status]));

    expect(documented.size).toBeGreaterThan(25);
    expect(catalogue).toEqual(documented);
  });

  it('is what docs/errors.md says, word for word (regenerate with npm run docs:errors)', () => {
    const documented = readFileSync(ERRORS_DOC_PATH, 'utf8');

    const generated = renderErrorsDoc();

    expect(documented).toBe(generated);
  });

  it('knows the job error codes', () => {
    expect(JOB_ERROR_CODES).toEqual(['UNSUPPORTED_FORMAT', 'UPLOAD_TOO_LARGE', 'INSUFFICIENT_CREDITS', 'INDEXING_FAILED', 'PLAN_LIMIT_EXCEEDED']);
  });
});

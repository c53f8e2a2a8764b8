import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, JOB_ERROR_CODES } from '#lib/errors';

/** The binding table of shared/contract/errors.md, read from the contract itself. */
function contractTable(): Map<string, number> {
  const text = readFileSync(resolve(import.meta.dirname, '../../../shared/contract/errors.md'), 'utf8');
  const rows = new Map<string, number>();
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const code = cells.find((cell) => /^[A-Z][A-Z_]+$/.test(cell));
    const status = cells.find((cell) => /^\d{3}$/.test(cell));
    if (code && status) rows.set(code, Number(status));
  }
  return rows;
}

describe('error catalogue', () => {
  it('holds every code of errors.md with exactly its status', () => {
    const contract = contractTable();

    const catalogue = new Map(Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [code, entry.status]));

    expect(contract.size).toBeGreaterThan(25);
    expect(catalogue).toEqual(contract);
  });

  it('knows the job error codes', () => {
    expect(JOB_ERROR_CODES).toEqual(['UNSUPPORTED_FORMAT', 'UPLOAD_TOO_LARGE', 'INSUFFICIENT_CREDITS', 'INDEXING_FAILED']);
  });
});

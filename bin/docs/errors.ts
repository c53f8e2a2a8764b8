import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOGUE, JOB_ERROR_CODES, JOB_ERROR_WHEN } from '#lib/errors';

/**
 * docs/errors.md, generated from the error catalogue (lib/errors.ts) so the documented table cannot drift
 * from the codes the API answers with. `npm run docs:errors` rewrites it; `-- --check` exits 1 if it is stale.
 */
export const ERRORS_DOC_PATH = fileURLToPath(new URL('../../docs/errors.md', import.meta.url));

const HEADER = `# Errors

<!-- Generated from lib/errors.ts by \`npm run docs:errors\`; edit the catalogue, not this file. -->

Every error is a non-2xx status with this JSON body, and nothing else at the top level:

\`\`\`json
{ "detail": { "code": "COLLECTION_NOT_FOUND", "message": "Collection not found", "request_id": "req_…" } }
\`\`\`

- \`code\` is stable and machine-readable; branch on it. \`message\` is for people and may change.
- \`detail\` may carry extra keys: \`request_id\` (always), \`fields\` (for \`VALIDATION_ERROR\`:
  \`[{ "path": "per_page", "message": "must be ≤ 50" }]\`), \`retry_after\` (429/503), \`limit\` / \`used\`
  (quota and plan errors).
- Every response, success or error, carries the header \`X-Request-Id\`, equal to \`meta.request_id\` / \`detail.request_id\`.
- Another account's resource answers exactly as a missing one.

## The codes

`;

const WHICH_WINS = `
## Which error wins

Checks run in this order, and the first that fails answers: route exists (\`NOT_FOUND\`) → credential present and
valid → credential allowed here (\`FORBIDDEN\`) → rate limit (\`RATE_LIMIT_EXCEEDED\`) → body parses (\`BAD_REQUEST\`)
→ shape validates (\`VALIDATION_ERROR\`) → referenced resources exist for this account (\`*_NOT_FOUND\`) → media limits
(\`UPLOAD_TOO_LARGE\`, \`UNSUPPORTED_FORMAT\`) → plan limits → money (\`INSUFFICIENT_CREDITS\`, then
\`PAYMENT_METHOD_REQUIRED\` / \`PAYMENT_FAILED\`). A request refused at any step costs nothing.
`;

/** A table cell: a pipe inside the text would split the row. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

export function renderErrorsDoc(): string {
  const codeRows = Object.entries(ERROR_CATALOGUE).map(
    ([code, entry]) => `| ${entry.area} | ${code} | ${entry.status} | ${cell(entry.when)} | ${cell(entry.message)} |`,
  );
  const jobRows = JOB_ERROR_CODES.map((code) => `| ${code} | ${cell(JOB_ERROR_WHEN[code])} |`);
  return [
    HEADER,
    '| Area | Code | HTTP | When | Default message |',
    '|---|---|---|---|---|',
    ...codeRows,
    WHICH_WINS,
    '## Job error codes',
    '',
    "A failed job (and its video) carries `error: {code, message}`, answered in api.md's shape as `error` (the message) with `error_code` (the code) beside it; these codes never come back as an HTTP status of their own.",
    '',
    '| Code | When |',
    '|---|---|',
    ...jobRows,
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rendered = renderErrorsDoc();
  if (process.argv.includes('--check')) {
    const current = readFileSync(ERRORS_DOC_PATH, 'utf8');
    if (current !== rendered) {
      process.stderr.write('docs/errors.md is stale: run npm run docs:errors\n');
      process.exitCode = 1;
    }
  } else {
    writeFileSync(ERRORS_DOC_PATH, rendered);
    process.stdout.write(`wrote ${ERRORS_DOC_PATH}\n`);
  }
}

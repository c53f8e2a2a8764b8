import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildSync, type BuildOptions } from 'esbuild';

/**
 * The web console (web/) built into its static files: index.html, app.js, app.css. One recipe for
 * the three places that need them — the local host builds them in memory when it starts, the CDK
 * stack into its asset folder, `npm run web:build` into web/dist — so none ships a stale copy.
 */
export const WEB_ROOT = resolve(fileURLToPath(import.meta.url), '../../web');

/**
 * Addresses outside the hash routes that answer the console's page: `/`, and `/billing`, where Stripe
 * Checkout sends people back (lib/billing/payments.ts); the page then moves to its `#/billing` route.
 */
export const PAGE_PATHS = ['/', '/billing'] as const;

export interface ConsoleFile {
  path: string;
  contentType: string;
  body: Buffer;
}

function options(): BuildOptions {
  return {
    entryPoints: [join(WEB_ROOT, 'src/main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(WEB_ROOT, 'tsconfig.json'),
    outfile: 'app.js',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  };
}

function files(outputs: ReadonlyArray<{ path: string; contents: Uint8Array }>): ConsoleFile[] {
  const built = outputs.map((output) => ({
    path: `/${output.path.split('/').pop() ?? ''}`,
    contentType: output.path.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
    body: Buffer.from(output.contents),
  }));
  const page = { path: '/index.html', contentType: 'text/html; charset=utf-8', body: readFileSync(join(WEB_ROOT, 'index.html')) };
  return [page, ...built];
}

/** The console's files, built in memory. */
export async function buildConsole(): Promise<ConsoleFile[]> {
  const result = await build(options());
  return files(result.outputFiles ?? []);
}

/** The same, synchronously, written into `outDir` (CDK's local bundling and `npm run web:build`). */
export function writeConsole(outDir: string): ConsoleFile[] {
  const result = buildSync(options());
  const built = files(result.outputFiles ?? []);
  mkdirSync(outDir, { recursive: true });
  for (const file of built) writeFileSync(join(outDir, file.path), file.body);
  return built;
}

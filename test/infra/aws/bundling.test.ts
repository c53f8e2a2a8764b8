import { basename, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { API_BUNDLE, isBundledRoute } from '#infra/aws/bundling';
import { PROJECT_ROOT } from '#infra/local/runtime';
import type { RouteDefinition } from '#lib/http/route';
import { fallbackRoute, routes } from '#functions/routes';

const routeList: RouteDefinition[] = Object.values(routes);

/** Each deployed bundle's size in bytes by route name, built the way BundledFunction builds them (source maps aside). */
async function bundleBytes(bundled: readonly Pick<RouteDefinition, 'name' | 'entry'>[]): Promise<Map<string, number>> {
  // One build with an entry point per route: every bundle still stands alone (no code splitting),
  // and the shared modules are parsed once.
  const result = await build({
    entryPoints: Object.fromEntries(bundled.map((route) => [route.name, resolve(PROJECT_ROOT, route.entry)])),
    bundle: true,
    platform: 'node',
    format: API_BUNDLE.format,
    target: API_BUNDLE.target,
    minify: API_BUNDLE.minify,
    mainFields: [...API_BUNDLE.mainFields],
    banner: { js: API_BUNDLE.banner },
    external: [...API_BUNDLE.externalModules],
    write: false,
    outdir: 'bundles',
    outExtension: { '.js': '.mjs' },
    logLevel: 'silent',
  });
  return new Map(result.outputFiles.map((output) => [basename(output.path, '.mjs'), output.contents.length]));
}

describe('the API bundles', () => {
  it('leaves the routes with native modules to container images', () => {
    expect(routeList.filter((route) => !isBundledRoute(route)).map((route) => route.name)).toEqual(expect.arrayContaining(['videoTranscript', 'videoMoment']));
    expect(isBundledRoute({})).toBe(true);
  });

  it('keeps every bundled route, and the catch-all, under the cap', { timeout: 60_000 }, async () => {
    const bundled = [...routeList.filter(isBundledRoute), fallbackRoute];

    const sizes = await bundleBytes(bundled);

    expect([...sizes.keys()].sort()).toEqual(bundled.map((route) => route.name).sort());
    expect([...sizes].filter(([, bytes]) => bytes > API_BUNDLE.maxBytes)).toEqual([]);
  });
});

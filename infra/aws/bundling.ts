import type { RouteDefinition } from '#lib/http/route';

/**
 * How every API function is bundled: pure-JavaScript ESM for Node.js 22 on arm64, minified, with
 * source maps. The AWS SDK v3 is left to the Lambda runtime (CDK's own default for Node.js 18+):
 * bundling it would push every function past the 500 KB cap, at the price of running against the
 * runtime's SDK release rather than the locked one. The CDK stack and the bundle benchmark read this.
 */
export const API_BUNDLE = {
  target: 'node22',
  format: 'esm',
  minify: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  /** ESM bundles of CommonJS dependencies need `require`. */
  banner: "import { createRequire as __frameseekCreateRequire } from 'node:module'; const require = __frameseekCreateRequire(import.meta.url);",
  /** The AWS SDK from the runtime; Powertools from AWS's layer (infra/aws/constructs/observability.ts). */
  externalModules: ['@aws-sdk/*', '@aws-lambda-powertools/*'],
  /** Design §6: each API function stays a small JavaScript bundle. */
  maxBytes: 500 * 1024,
} as const;

/**
 * Whether a route is deployed as such a bundle: routes marked `nativeModules` are container images
 * instead (design §6), exempt from the cap. The CDK stack and the bundle checks read this.
 */
export function isBundledRoute(route: Pick<RouteDefinition, 'nativeModules'>): boolean {
  return route.nativeModules !== true;
}

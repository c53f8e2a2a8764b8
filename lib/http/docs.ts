import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * GET /docs: the OpenAPI document rendered by Scalar's API reference, whose standalone browser
 * bundle is served from this API (routes.docsScript, read from the installed npm package), so the
 * page needs nothing from another host: no CDN, no web fonts (withDefaultFonts off), no telemetry.
 * "Test request" sends the visitor's own Bearer token to this origin.
 */
export function docsPage(openApiPath: string, rendererScriptPath: string): string {
  const configuration = {
    url: openApiPath,
    withDefaultFonts: false,
    telemetry: false,
    hideClientButton: false,
    authentication: { preferredSecurityScheme: 'bearer' },
  };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Frameseek API reference</title>
  </head>
  <body>
    <div id="api-reference"></div>
    <script src="${rendererScriptPath}"></script>
    <script>Scalar.createApiReference('#api-reference', ${JSON.stringify(configuration)});</script>
  </body>
</html>
`;
}

/** The hosted web fonts the bundle's stylesheets name even with withDefaultFonts off. */
const HOSTED_FONT = /url\(https:\/\/fonts\.scalar\.com\/[^)]+\)/g;

/**
 * The renderer's browser bundle as the package ships it (one file, no chunks to fetch), with its
 * hosted font faces pointed at local fonts so that rendering needs no other host.
 */
export function rendererScript(): string {
  // The package exports no path to its browser bundle: it sits beside the module entry (dist/).
  const entry = createRequire(import.meta.url).resolve('@scalar/api-reference');
  return readFileSync(join(dirname(entry), 'browser', 'standalone.js'), 'utf8').replace(HOSTED_FONT, 'local("sans-serif")');
}

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * GET /docs: the OpenAPI document rendered by Swagger UI, whose browser bundle is served from this
 * API (routes.docsScript, read from the installed `swagger-ui-dist` package, which has no runtime
 * dependencies) and whose stylesheet is inlined, so the page needs nothing from another host: no
 * CDN, and no spec validator (validatorUrl off). "Try it out" sends the visitor's own Bearer token
 * (the Authorize button) to this origin.
 */
export function docsPage(openApiPath: string, rendererScriptPath: string): string {
  const configuration = {
    url: openApiPath,
    dom_id: '#swagger-ui',
    validatorUrl: null,
    deepLinking: true,
    persistAuthorization: true,
    displayRequestDuration: true,
  };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Frameseek API reference</title>
    <style>${packageFile('swagger-ui.css')}</style>
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${rendererScriptPath}"></script>
    <script>window.ui = SwaggerUIBundle(${JSON.stringify(configuration)});</script>
  </body>
</html>
`;
}

/** The renderer's browser bundle as the package ships it (one file, nothing more to fetch). */
export function rendererScript(): string {
  return packageFile('swagger-ui-bundle.js');
}

/** A file of swagger-ui-dist, without its source-map comment (the map is not served). */
function packageFile(name: string): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return readFileSync(join(packageDir, name), 'utf8').replace(/\/[*/]# sourceMappingURL=\S+(\s*\*\/)?\s*$/, '');
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildConsole, PAGE_PATHS, type ConsoleFile } from '#infra/console-build';

/**
 * The web console's files for the local host's static hook: built from web/ in memory on the first
 * request (so a fresh clone needs no build step, and an edit shows after a restart). PAGE_PATHS answer the page;
 * any other path that is not one of its files falls through to the API (/docs, /mcp, the 404 route).
 */
export function consoleFiles(): (request: IncomingMessage, response: ServerResponse) => Promise<boolean> {
  let built: Promise<Map<string, ConsoleFile>> | undefined;
  return async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    built ??= buildConsole().then((files) => new Map(files.map((file) => [file.path, file])));
    const file = (await built).get(PAGE_PATHS.some((page) => page === path) ? '/index.html' : path);
    if (!file) return false;
    response.writeHead(200, {
      'Content-Type': file.contentType,
      'Content-Length': file.body.length,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    response.end(request.method === 'HEAD' ? undefined : file.body);
    return true;
  };
}

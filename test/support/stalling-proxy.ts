import { createServer, request, type IncomingMessage } from 'node:http';
import { close, listen } from '#infra/local/http-server';

/**
 * An HTTP proxy in front of a stand-in that never answers the first request `stalls` picks (it
 * reads the body and then stays silent, as a wedged server would) and forwards every other one,
 * headers untouched so that signatures still match. `seen` lists every request as `METHOD path`.
 */
export interface StallingProxy {
  endpoint: string;
  seen: string[];
  stalled: string[];
  stop(): Promise<void>;
}

export async function startStallingProxy(upstreamEndpoint: string, stalls: (request: IncomingMessage) => boolean): Promise<StallingProxy> {
  const upstream = new URL(upstreamEndpoint);
  const seen: string[] = [];
  const stalled: string[] = [];
  const server = createServer((incoming, answer) => {
    const line = `${incoming.method} ${incoming.url}`;
    seen.push(line);
    if (stalled.length === 0 && stalls(incoming)) {
      stalled.push(line);
      incoming.resume();
      return;
    }
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (response) => {
        answer.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(answer);
      },
    );
    forwarded.on('error', () => answer.destroy());
    incoming.pipe(forwarded);
  });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    stalled,
    stop: () => close(server),
  };
}

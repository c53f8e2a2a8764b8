import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` on `port` (0: any free one) and `host`; rejects if the address is taken. Answers the port it got. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done((server.address() as AddressInfo).port));
  });
}

/** Stops `server` without waiting for clients' idle keep-alive connections to time out. */
export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((done) => server.close(() => done()));
}

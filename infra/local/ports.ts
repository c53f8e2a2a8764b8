import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';

/**
 * The stand-ins' ports, chosen once per data dir and kept in `<data dir>/ports.json`: presigned links
 * name the S3 stand-in's port, so a link issued before a restart still works after it. A kept port is
 * chosen again only if something else has taken it.
 */
type PortName = 'dynamodb' | 's3';

function portsFile(dataDir: string): string {
  return resolve(dataDir, 'ports.json');
}

function readPorts(dataDir: string): Partial<Record<PortName, number>> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(portsFile(dataDir), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, port]) => Number.isInteger(port) && port > 0 && port < 65536));
  } catch {
    return {};
  }
}

/** Resolves `port` if it can be listened on now (0: any free port), with the port obtained; undefined if it is taken. */
function tryPort(port: number): Promise<number | undefined> {
  const server = createServer();
  return new Promise((done) => {
    server.once('error', () => done(undefined));
    server.listen(port, '127.0.0.1', () => {
      const { port: obtained } = server.address() as AddressInfo;
      server.close(() => done(obtained));
    });
  });
}

export async function keptPort(dataDir: string, name: PortName): Promise<number> {
  const ports = readPorts(dataDir);
  const kept = ports[name];
  if (kept !== undefined && (await tryPort(kept)) === kept) return kept;
  const chosen = await tryPort(0);
  if (chosen === undefined) throw new Error('no free port on 127.0.0.1');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(portsFile(dataDir), `${JSON.stringify({ ...ports, [name]: chosen }, null, 2)}\n`);
  return chosen;
}

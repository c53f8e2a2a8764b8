import { awsHost } from '#lib/hosts/aws';
import type { Host } from '#lib/hosts/types';

export type { BackgroundFunctionName, Host, QueueName, StreamName } from '#lib/hosts/types';

/** The registered host (the local runtime's), or AWS's. */
let registered: Host | undefined;

/** Called once by a host that is not AWS (the local runtime), before any handler runs. */
export function registerHost(host: Host): void {
  registered = host;
}

export function host(): Host {
  return registered ?? awsHost();
}

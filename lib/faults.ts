import { config, isProduction, type FaultName } from '#lib/config';

/**
 * Fault switches: named failures that tests turn on to reach error paths for real.
 * Off by default; read from config at cold start (`name` or `name:target`); refused in prod.
 * A switch without a target fires everywhere it is checked; with one, only for that target.
 */
const armed = new Map<FaultName, Set<string | undefined>>();
for (const { name, target } of config.FRAMESEEK_FAULTS) arm(name, target);

function arm(name: FaultName, target?: string): void {
  const targets = armed.get(name) ?? new Set<string | undefined>();
  targets.add(target);
  armed.set(name, targets);
}

export function isFaultArmed(name: FaultName, target?: string): boolean {
  const targets = armed.get(name);
  return targets !== undefined && (targets.has(undefined) || targets.has(target));
}

export function armFault(name: FaultName, target?: string): void {
  if (isProduction()) throw new Error('Fault switches are refused in the prod stage');
  arm(name, target);
}

export function disarmFault(name: FaultName): void {
  armed.delete(name);
}

/** Thrown by an armed fault; reads like an internal failure on purpose, to prove nothing leaks. */
export class InjectedFaultError extends Error {
  constructor(name: FaultName) {
    super(`Injected fault ${name}: ConditionalCheckFailedException arn:aws:dynamodb:us-east-1:123456789012:table/internal`);
    this.name = 'InjectedFaultError';
  }
}

export function throwIfArmed(name: FaultName, target?: string): void {
  if (isFaultArmed(name, target)) throw new InjectedFaultError(name);
}

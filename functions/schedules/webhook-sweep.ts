import { sweepWebhooks } from '#lib/webhooks/deliveries';

/** EventBridge schedule (every minute) in AWS; the local runtime's scheduler runs the same handler. */
export async function handler(): Promise<{ fanned_out: number; due: number }> {
  return sweepWebhooks();
}

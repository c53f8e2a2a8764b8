/**
 * The one seam between where Frameseek runs and what it does: work that a request or an event starts
 * but does not do itself. In AWS each kind is a service (an asynchronous Lambda invoke, an SQS queue,
 * the table's stream: lib/hosts/aws.ts); the local host (infra/local/host.ts) runs the same handlers
 * in-process. The local host registers itself once at start-up; in AWS nothing does, and AWS's is used.
 * Schedules are the fourth kind: both hosts read them from the route table and call the handlers.
 */
export interface Host {
  /** Starts a background function (functions/routes.ts `backgroundFunctions`) with this input, without waiting for it. */
  invoke(functionName: BackgroundFunctionName, input: object): Promise<void>;
  /** Puts messages on a queue, each delivered at least once to the function that consumes it. */
  enqueue(queue: QueueName, messages: readonly object[]): Promise<void>;
  /**
   * A row of a streamed kind was just written. In AWS the table's stream delivers it to its function
   * by itself; a host without streams delivers it now. The row, not this call, is what makes it happen.
   */
  rowWritten(stream: StreamName, row: Readonly<Record<string, string>>): void;
}

export type BackgroundFunctionName = 'fetchSource' | 'deleteSweep';
export type QueueName = 'index' | 'webhooks';
export type StreamName = 'autoTopUpRequests' | 'accountEvents';

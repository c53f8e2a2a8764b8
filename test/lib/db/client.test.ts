import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { startStallingProxy, type StallingProxy } from '#test/support/stalling-proxy';

let proxy: StallingProxy | undefined;
afterAll(() => proxy?.stop());

describe('the table client', () => {
  it('cuts off a call that gets no answer and retries it, instead of holding the request to its timeout', async () => {
    proxy = await startStallingProxy(inject('dynamoDbEndpoint'), () => true);
    // The client is made once, from config, at import: import it afresh, pointed at the proxy.
    process.env.FRAMESEEK_DYNAMODB_ENDPOINT = proxy.endpoint;
    vi.resetModules();
    const { dynamoClient } = await import('#lib/db/client');
    const started = Date.now();

    const tables = await dynamoClient.send(new ListTablesCommand({}));

    expect(proxy.stalled).toHaveLength(1);
    expect(proxy.seen.length).toBeGreaterThanOrEqual(2);
    expect(tables.TableNames).toEqual(expect.any(Array));
    expect(Date.now() - started).toBeLessThan(8000);
  }, 40_000);
});

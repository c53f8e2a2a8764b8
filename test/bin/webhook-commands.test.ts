import { describe, expect, it } from 'vitest';
import { createKey, signUp, useTestApi } from '#test/support/api';
import { frameseek, printed, type CliRun } from '#test/support/cli';
import { useAllowedWebhookReceiver } from '#test/support/webhook-receiver';

/** `frameseek webhooks …`, spawned against the real local runtime, delivering to a receiver on loopback. */

const receiver = useAllowedWebhookReceiver();

const api = useTestApi();

async function keyEnv(): Promise<Record<string, string>> {
  const { token } = await signUp(api);
  const { key } = await createKey(api, token);
  return { FRAMESEEK_API_URL: api.runtime().url, FRAMESEEK_API_KEY: key };
}

function expectOneLineError(run: CliRun, code: string): void {
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(new RegExp(`^error: ${code}: .+\\n$`));
}

describe('frameseek webhooks', () => {
  it('creates an endpoint (secret shown once), pings it, shows the delivery, redelivers it, and deletes the endpoint', async () => {
    // Arrange
    const env = await keyEnv();
    const path = '/cli-endpoint';

    // Act
    const created = await frameseek(['webhooks', 'create', '--url', `${receiver().origin}${path}`, '--events', 'job.completed,job.failed'], { env });
    const webhookId = printed(created, 'id');
    receiver().trust(path, printed(created, 'secret'));
    const listed = await frameseek(['webhooks', 'list', '--json'], { env });
    const pinged = await frameseek(['webhooks', 'test', webhookId], { env });
    const [ping] = await receiver().waitFor(path, 1);
    const deliveries = await frameseek(['webhooks', 'deliveries', webhookId, '--json'], { env });
    const deliveryId = String((JSON.parse(deliveries.stdout) as { data: { id: string }[] }).data[0]?.id);
    const retried = await frameseek(['webhooks', 'retry', webhookId, deliveryId], { env });
    const [, again] = await receiver().waitFor(path, 2);
    const deleted = await frameseek(['webhooks', 'delete', webhookId], { env });
    const afterDelete = await frameseek(['webhooks', 'list', '--json'], { env });

    // Assert
    expect(created.code, created.stderr).toBe(0);
    expect(printed(created, 'secret')).toMatch(/^whsec_/);
    expect(created.stderr).toContain('shown only now');
    expect(JSON.parse(listed.stdout)).toMatchObject({ data: [{ id: webhookId, events: ['job.completed', 'job.failed'], is_active: true }] });
    expect(pinged.code, pinged.stderr).toBe(0);
    expect(ping).toMatchObject({ body: { event: 'webhook.ping' }, verifiedWith: [true] });
    expect(JSON.parse(deliveries.stdout)).toMatchObject({ data: [{ id: deliveryId, event: 'webhook.ping' }] });
    expect(retried.code, retried.stderr).toBe(0);
    expect(again).toMatchObject({ body: { id: ping?.body.id, event: 'webhook.ping' }, verifiedWith: [true] });
    expect(deleted.stdout).toBe(`deleted ${webhookId}\n`);
    expect(JSON.parse(afterDelete.stdout)).toMatchObject({ data: [] });
  });

  it("answers another account's endpoint as WEBHOOK_NOT_FOUND, on one line", async () => {
    // Arrange
    const owner = await keyEnv();
    const stranger = await keyEnv();
    const created = await frameseek(['webhooks', 'create', '--url', `${receiver().origin}/not-yours`], { env: owner });

    // Act
    const run = await frameseek(['webhooks', 'test', printed(created, 'id')], { env: stranger });

    // Assert
    expectOneLineError(run, 'WEBHOOK_NOT_FOUND');
  });

  it('refuses an unknown event name with the API’s VALIDATION_ERROR', async () => {
    // Arrange
    const env = await keyEnv();

    // Act
    const run = await frameseek(['webhooks', 'create', '--url', `${receiver().origin}/typo`, '--events', 'job.complete'], { env });

    // Assert
    expectOneLineError(run, 'VALIDATION_ERROR');
  });
});

import type { Command } from 'commander';
import { succeed, unwrap, type paths } from '#sdk/index';
import { connect, printFields, printJson, printPageNote, printTable, withCommonOptions, type CommonFlags, actionsRunBy, type Runner } from './context.ts';

/** `webhooks …`: endpoints that receive the account's events, their signing secrets and their delivery log. */

interface CreateFlags extends CommonFlags {
  url: string;
  events?: string;
  paused?: boolean;
}

interface DeliveriesFlags extends CommonFlags {
  page: number;
  perPage: number;
  cursor?: string;
}

type SubscribedEvents = NonNullable<paths['/v1/webhooks']['post']['requestBody']['content']['application/json']['events']>;

/**
 * `--events job.completed,job.failed` → a list; none means every event (`*`). The names are the
 * API's to check: an unknown one comes back as its VALIDATION_ERROR, naming the field.
 */
function eventList(events: string | undefined): SubscribedEvents | undefined {
  return events
    ?.split(',')
    .map((event) => event.trim())
    .filter(Boolean) as SubscribedEvents | undefined;
}

async function listWebhooks(flags: CommonFlags): Promise<number> {
  const { client } = await connect(flags);
  const answer = await unwrap(client.GET('/v1/webhooks'));
  if (flags.json) printJson(answer);
  else
    printTable(
      ['ID', 'URL', 'EVENTS', 'ACTIVE', 'CREATED'],
      answer.data.map((hook) => [hook.id, hook.url, hook.events.join(','), String(hook.is_active), hook.created_at]),
    );
  return 0;
}

async function createWebhook(flags: CreateFlags): Promise<number> {
  const { client } = await connect(flags);
  const events = eventList(flags.events);
  const answer = await unwrap(client.POST('/v1/webhooks', { body: { url: flags.url, ...(events ? { events } : {}), is_active: !flags.paused } }));
  if (flags.json) printJson(answer);
  else {
    printFields([
      ['id', answer.data.id],
      ['url', answer.data.url],
      ['events', answer.data.events.join(',')],
      ['secret', answer.data.secret],
    ]);
    process.stderr.write('the signing secret is shown only now: keep it where your receiver can read it\n');
  }
  return 0;
}

async function deleteWebhook(webhookId: string, flags: CommonFlags): Promise<number> {
  const { client } = await connect(flags);
  await succeed(client.DELETE('/v1/webhooks/{webhook_id}', { params: { path: { webhook_id: webhookId } } }));
  if (flags.json) printJson({ data: null });
  else process.stdout.write(`deleted ${webhookId}\n`);
  return 0;
}

async function testWebhook(webhookId: string, flags: CommonFlags): Promise<number> {
  const { client } = await connect(flags);
  const answer = await unwrap(client.POST('/v1/webhooks/{webhook_id}/test', { params: { path: { webhook_id: webhookId } } }));
  if (flags.json) printJson(answer);
  else process.stdout.write(`webhook.ping queued for ${webhookId}; see \`frameseek webhooks deliveries ${webhookId}\`\n`);
  return 0;
}

async function listDeliveries(webhookId: string, flags: DeliveriesFlags): Promise<number> {
  const { client } = await connect(flags);
  const answer = await unwrap(
    client.GET('/v1/webhooks/{webhook_id}/deliveries', {
      params: {
        path: { webhook_id: webhookId },
        query: flags.cursor === undefined ? { page: flags.page, per_page: flags.perPage } : { cursor: flags.cursor, per_page: flags.perPage },
      },
    }),
  );
  if (flags.json) printJson(answer);
  else {
    const rows = answer.data.map((delivery) => [
      delivery.id,
      delivery.event,
      delivery.status,
      delivery.attempt_count,
      delivery.last_status_code,
      delivery.last_error,
      delivery.delivered_at ?? delivery.next_attempt_at,
    ]);
    printTable(['ID', 'EVENT', 'STATUS', 'ATTEMPTS', 'LAST CODE', 'LAST ERROR', 'DELIVERED / NEXT'], rows);
    printPageNote(answer.meta, answer.data.length);
  }
  return 0;
}

async function retryDelivery(webhookId: string, deliveryId: string, flags: CommonFlags): Promise<number> {
  const { client } = await connect(flags);
  const answer = await unwrap(
    client.POST('/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry', { params: { path: { webhook_id: webhookId, delivery_id: deliveryId } } }),
  );
  if (flags.json) printJson(answer);
  else process.stdout.write(`delivery ${deliveryId} queued again\n`);
  return 0;
}

export function addWebhookCommands(program: Command, run: Runner, integerAtLeast: (minimum: number) => (value: string) => number): void {
  const action = actionsRunBy(run);

  const webhooks = program.command('webhooks').description('Endpoints that receive the account’s events, signed (needs an API key)');
  withCommonOptions(webhooks.command('list').description('Every endpoint, with its events and whether it is active')).action(action(listWebhooks));
  withCommonOptions(
    webhooks
      .command('create')
      .description('Add an endpoint; its signing secret (whsec_…) is printed only this once')
      .requiredOption('--url <url>', 'a public http(s) URL that answers 2xx')
      .option('--events <events>', 'comma-separated events (default: every event)')
      .option('--paused', 'create it paused (it receives nothing until resumed)'),
  ).action(action(createWebhook));
  withCommonOptions(webhooks.command('delete').description('Remove an endpoint').argument('<webhook_id>', 'the endpoint (wh_…)')).action(action(deleteWebhook));
  withCommonOptions(webhooks.command('test').description('Send it a webhook.ping').argument('<webhook_id>', 'the endpoint')).action(action(testWebhook));
  withCommonOptions(
    webhooks
      .command('deliveries')
      .description('Its delivery log, newest first')
      .argument('<webhook_id>', 'the endpoint')
      .option('--page <n>', 'page', integerAtLeast(1), 1)
      .option('--per-page <n>', 'deliveries per page', integerAtLeast(1), 20)
      .option('--cursor <cursor>', 'the next page after the one that printed this cursor'),
  ).action(action(listDeliveries));
  withCommonOptions(
    webhooks.command('retry').description('Deliver again now').argument('<webhook_id>', 'the endpoint').argument('<delivery_id>', 'the delivery'),
  ).action(action(retryDelivery));
}

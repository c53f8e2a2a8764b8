import { newId } from '#lib/ids';
import { now } from '#lib/clock';
import { AppError } from '#lib/errors';
import { logError, logInfo } from '#lib/log';
import { throwIfArmed } from '#lib/faults';
import { verifyPassword } from '#lib/auth/secrets';
import { sweepCollectionDelete, type CollectionSweepTask } from '#lib/collections/collections';
import { host } from '#lib/hosts/host';
import { getAccount, listDeletingAccountIds, markAccountDeleted, markAccountDeleting, requireAccount } from '#lib/db/accounts';
import { listApiKeys } from '#lib/db/api-keys';
import { listCollectionRecords } from '#lib/db/collections';
import { listSessionKeysOf } from '#lib/db/sessions';
import { deleteItems } from '#lib/db/batch';
import { keys } from '#lib/db/keys';
import { enqueuePurge } from '#lib/indexing/queue';
import Stripe from 'stripe';
import { billingConfigured, stripeClient } from '#lib/billing/stripe-client';
import { webhookDeliveryKeysOf, webhookKeysOf } from '#lib/db/webhooks';
import { accountEventKeysOf } from '#lib/db/events';
import { deletePrefix } from '#lib/storage/objects';
import { framemapPrefix } from '#lib/storage/layout';

/**
 * DELETE /v1/account (api.md): with the password as confirmation, every key and session is refused
 * at once (authentication checks the account's status), then everything the account owns is swept:
 * sessions, keys, webhook endpoints and secrets, collections with their videos and objects (no
 * `video.deleted` is sent for them: the endpoints went first), the event outbox and delivery log. The ledger stays, as the law requires,
 * detached from the email. The sweep is resumable: what a request does not finish, the daily run does.
 */
export async function requestAccountDeletion(accountId: string, password: string): Promise<{ deletion_id: string }> {
  const account = await requireAccount(accountId);
  if (!account.password_hash || !(await verifyPassword(password, account.password_hash))) {
    throw new AppError('FORBIDDEN', 'The password does not match; deleting the account needs it as confirmation');
  }
  const deletionId = newId('deletion');
  if (!(await markAccountDeleting(account, deletionId, now().toISOString()))) throw new AppError('SESSION_EXPIRED');
  // Swept in the background (a large library would outlast the request); accepted all the same if the
  // start is lost: the account is already unusable and the daily run finishes the sweep.
  const task: AccountSweepTask = { kind: 'account', account_id: accountId };
  await host()
    .invoke('deleteSweep', task)
    .catch((error: unknown) => logError('account sweep not started; the daily run does it', { account_id: accountId, error }));
  return { deletion_id: deletionId };
}

export interface AccountSweepTask {
  kind: 'account';
  account_id: string;
}

/** What the background delete sweep is handed: one collection's delete, or a whole account's. */
export type DeleteSweepTask = CollectionSweepTask | AccountSweepTask;

/** The background half of DELETE /v1/collections/{id} and DELETE /v1/account. Safe to repeat. */
export async function runDeleteSweep(task: DeleteSweepTask): Promise<void> {
  if (task.kind === 'collection') return sweepCollectionDelete(task.account_id, task.collection_id);
  const account = await getAccount(task.account_id);
  if (account?.status === 'deleting') await sweepAccount(task.account_id);
}

async function sweepAccount(accountId: string): Promise<void> {
  await deleteItems(await listSessionKeysOf(accountId));
  const apiKeys = await listApiKeys(accountId);
  await deleteItems(apiKeys.flatMap((key) => [keys.apiKey(accountId, key.key_id), keys.apiKeyLookup(key.secret_hash)]));
  // Webhook endpoints and secrets go first among the rest: the sweep's own deletions must not be announced to them.
  await deleteItems(await webhookKeysOf(accountId));
  for (const collection of await listCollectionRecords(accountId)) {
    throwIfArmed('account_sweep_interrupted');
    await sweepCollectionDelete(accountId, collection.collection_id, { reportVideoDeletions: false });
  }
  // Its outbox and delivery log last: nothing more is written to them once its collections are gone.
  await deleteItems([...(await accountEventKeysOf(accountId)), ...(await webhookDeliveryKeysOf(accountId))]);
  await enqueuePurge(accountId);
  // The cached frame maps (lib/search/framemap.ts) live outside the account's media prefix.
  await deletePrefix(framemapPrefix(accountId));
  await deleteStripeCustomer(accountId);
  await markAccountDeleted(accountId, now().toISOString());
  logInfo('account deleted', { account_id: accountId });
}

/** api.md: the Stripe customer goes with the account; one already gone (a repeated sweep) is fine. */
async function deleteStripeCustomer(accountId: string): Promise<void> {
  const customerId = (await getAccount(accountId))?.stripe_customer_id;
  if (!customerId || !billingConfigured()) return;
  try {
    await stripeClient().customers.del(customerId);
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing')) throw error;
  }
}

/** The daily run's step: finishes every interrupted account deletion. Returns how many. */
export async function resumeAccountDeletions(): Promise<number> {
  let finished = 0;
  for (const accountId of await listDeletingAccountIds(100)) {
    const account = await getAccount(accountId);
    if (account?.status !== 'deleting') continue;
    await sweepAccount(accountId);
    finished += 1;
  }
  return finished;
}

import { newId } from '#lib/ids';
import { now } from '#lib/clock';
import { AppError } from '#lib/errors';
import { logError, logInfo } from '#lib/log';
import { throwIfArmed } from '#lib/faults';
import { verifyPassword } from '#lib/auth/secrets';
import { deleteCollection } from '#lib/collections/collections';
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
  try {
    await sweepAccount(accountId);
  } catch (error) {
    // Accepted all the same (202): the account is already unusable and the daily run finishes the sweep.
    logError('account sweep interrupted; the daily run resumes it', { account_id: accountId, error });
  }
  return { deletion_id: deletionId };
}

async function sweepAccount(accountId: string): Promise<void> {
  await deleteItems(await listSessionKeysOf(accountId));
  const apiKeys = await listApiKeys(accountId);
  await deleteItems(apiKeys.flatMap((key) => [keys.apiKey(accountId, key.key_id), keys.apiKeyLookup(key.secret_hash)]));
  // Webhook endpoints and secrets go first among the rest: the sweep's own deletions must not be announced to them.
  await deleteItems(await webhookKeysOf(accountId));
  for (const collection of await listCollectionRecords(accountId)) {
    throwIfArmed('account_sweep_interrupted');
    await deleteCollection(accountId, collection.collection_id, { reportVideoDeletions: false });
  }
  // Its outbox and delivery log last: nothing more is written to them once its collections are gone.
  await deleteItems([...(await accountEventKeysOf(accountId)), ...(await webhookDeliveryKeysOf(accountId))]);
  await enqueuePurge(accountId);
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

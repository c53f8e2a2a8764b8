import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { now, nowMs } from '#lib/clock';
import { AppError } from '#lib/errors';
import { logError, logInfo, logWarn } from '#lib/log';
import {
  disableAutoTopUpAfterFailure,
  getAccount,
  isActive,
  recordAutoTopUpFailure,
  releaseAutoTopUpClaim,
  type AccountRecord,
  type AutoTopUpFailure,
} from '#lib/db/accounts';
import {
  finishAutoTopUpRequest,
  getAutoTopUpRequest,
  listAutoTopUpsPendingBefore,
  recordAutoTopUpPayment,
  type AutoTopUpRequestRecord,
} from '#lib/db/auto-topups';
import { findAppliedPayment } from '#lib/db/payments';
import { chargeSavedCard, creditPaymentOnce, paymentDescription } from '#lib/billing/payments';
import { stripeClient, type StripePaymentIntent } from '#lib/billing/stripe-client';
import type { AutoTopUpRef } from '#lib/billing/auto-topup-trigger';

/**
 * The charging side of auto top-up: a request written by the debit that crossed the threshold is
 * charged off-session on the saved card and credited through the same once-only path as every
 * Stripe payment (creditPaymentOnce, keyed by the PaymentIntent), which also ends the account's
 * pending claim so the next crossing can charge again. Runs outside any customer's request: from
 * the table's stream in AWS, in-process after the crossing locally, and from the daily run for
 * requests nobody picked up. Safe to run twice for one request.
 */
export type AutoTopUpResult = 'succeeded' | 'failed' | 'skipped' | 'already_done';

/** The metadata key naming the request a PaymentIntent pays (the Stripe webhook settles by it too). */
export const AUTO_TOPUP_METADATA_KEY = 'auto_topup_request';

export async function runAutoTopUp(ref: AutoTopUpRef): Promise<AutoTopUpResult> {
  const request = await getAutoTopUpRequest(ref.account_id, ref.request_id);
  if (!request || request.status !== 'pending') return 'already_done';
  const account = await getAccount(request.account_id);
  // The claim is ended with the credit, so a claim no longer held means the work is done or moot:
  // never charge then (Stripe's idempotency key does not outlive a day; the claim does).
  if (!account || !isActive(account) || account.auto_topup_pending !== request.request_id) return finishUnclaimed(request);
  if (!account.auto_topup?.enabled) {
    await releaseAutoTopUpClaim(account.account_id, request.request_id);
    await finish(request, 'skipped');
    return 'skipped';
  }

  let intent: StripePaymentIntent;
  try {
    intent = await paymentFor(account, request);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    await recordFailure(account, request, error);
    return 'failed';
  }
  const credited = await creditPaymentOnce({
    accountId: account.account_id,
    paymentIntentId: intent.id,
    amountMicros: request.amount_micros,
    description: paymentDescription('auto_topup', request.amount_micros),
    appliedBy: 'auto_topup',
    settlesAutoTopUp: request.request_id,
  });
  // Normally ended by the credit itself; this covers a credit some other path made first.
  await releaseAutoTopUpClaim(account.account_id, request.request_id);
  await finish(request, 'succeeded', { paymentIntentId: intent.id, transactionId: credited.payment.transaction_id });
  logInfo('auto top-up charged', { account_id: account.account_id, request_id: request.request_id, amount_micros: request.amount_micros });
  return 'succeeded';
}

/** The charge of this request: the one already made (a retry after a crash), or a new one. */
async function paymentFor(account: AccountRecord, request: AutoTopUpRequestRecord): Promise<StripePaymentIntent> {
  if (request.payment_intent_id) {
    const earlier = await stripeClient().paymentIntents.retrieve(request.payment_intent_id);
    if (earlier.status === 'succeeded') return earlier;
  }
  const intent = await chargeSavedCard(account, request.amount_micros, {
    purpose: 'auto_topup',
    metadata: { [AUTO_TOPUP_METADATA_KEY]: request.request_id },
    idempotencyKey: `frameseek-auto-topup-${request.request_id}`,
  });
  // Recorded before crediting, so a retry after a crash credits this charge instead of making another.
  await recordAutoTopUpPayment(request.account_id, request.request_id, intent.id);
  return intent;
}

/**
 * A card that cannot be charged switches auto top-up off (it would fail again at every crossing)
 * and says why in GET /v1/billing; a deployment without Stripe keys records why and leaves the
 * settings alone, since the account has done nothing wrong.
 */
async function recordFailure(account: AccountRecord, request: AutoTopUpRequestRecord, error: AppError): Promise<void> {
  const code = error.code === 'PAYMENT_METHOD_REQUIRED' || error.code === 'BILLING_NOT_CONFIGURED' ? error.code : 'PAYMENT_FAILED';
  const failure: AutoTopUpFailure = { code, message: `Auto top-up could not charge: ${error.message}`, failed_at: now().toISOString() };
  if (code === 'BILLING_NOT_CONFIGURED') await recordAutoTopUpFailure(account.account_id, request.request_id, failure);
  else await disableAutoTopUpAfterFailure(account.account_id, request.request_id, failure);
  await finish(request, 'failed', { error: { code, message: failure.message } });
  logWarn('auto top-up failed', { account_id: account.account_id, request_id: request.request_id, code });
}

/** A request whose claim is gone: paid already (a Stripe event credited it) or moot (account gone, another path ended it). */
async function finishUnclaimed(request: AutoTopUpRequestRecord): Promise<AutoTopUpResult> {
  const paid = request.payment_intent_id ? await findAppliedPayment(request.payment_intent_id) : undefined;
  if (paid) {
    await finish(request, 'succeeded', { paymentIntentId: paid.payment_intent_id, transactionId: paid.transaction_id });
    return 'succeeded';
  }
  await finish(request, 'skipped');
  return 'skipped';
}

async function finish(
  request: AutoTopUpRequestRecord,
  status: 'succeeded' | 'failed' | 'skipped',
  details: { paymentIntentId?: string; transactionId?: string; error?: { code: string; message: string } } = {},
): Promise<void> {
  await finishAutoTopUpRequest(request.account_id, request.request_id, { status, finishedAt: now().toISOString(), ...details });
}

/** What the AWS handler receives: new request rows from the table's stream (filtered to them in the stack). */
export async function runAutoTopUpsFromStream(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    const accountId = image?.account_id?.S;
    const requestId = image?.request_id?.S;
    if (!accountId || !requestId) continue;
    try {
      await runAutoTopUp({ account_id: accountId, request_id: requestId });
    } catch (error) {
      logError('auto top-up failed; the stream delivers it again', { account_id: accountId, request_id: requestId, error });
      // Stream batches are ordered: reporting this record makes Lambda retry from it.
      batchItemFailures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
      break;
    }
  }
  return { batchItemFailures };
}

/** How long a request may stay pending before the daily run takes it over (the stream and its retries have had their go). */
const PICKED_UP_WITHIN_MS = 10 * 60 * 1000;

/** Daily step: runs every request still pending after its charger should have run (lost dispatch, retries exhausted). */
export async function retryStaleAutoTopUps(): Promise<number> {
  const before = new Date(nowMs() - PICKED_UP_WITHIN_MS).toISOString();
  let finished = 0;
  for (const ref of await listAutoTopUpsPendingBefore(before, 100)) {
    try {
      if ((await runAutoTopUp(ref)) !== 'already_done') finished += 1;
    } catch (error) {
      // Stripe unreachable, say: the request stays pending for the next run.
      logError('auto top-up retry failed', { ...ref, error });
    }
  }
  return finished;
}

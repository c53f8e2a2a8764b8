/** The sort-key prefix of auto top-up requests; the AWS stream filter selects new items by it. */
export const AUTO_TOPUP_SK_PREFIX = 'AUTOTOPUP#';
/** The sort-key prefix of outbox events; the AWS stream filter hands new ones to the webhook fan-out by it. */
export const ACCOUNT_EVENT_SK_PREFIX = 'EVT#';

/**
 * The partitions every account writes to (the sweep indexes EVENTS_PENDING and WEBHOOKS_DUE, and the
 * table partitions OPEN_UPLOADS and IDEMPOTENCY) are split over this many partitions by a hash of the
 * item's id, so no single partition takes every account's writes; a sweep reads them all. Shard 0 keeps
 * the unsplit name, so rows written before the split are read too.
 */
export const SWEEP_INDEX_SHARDS = 8;

function shardOf(id: string): number {
  let hash = 2166136261;
  for (let index = 0; index < id.length; index += 1) hash = Math.imul(hash ^ id.charCodeAt(index), 16777619) >>> 0;
  return hash % SWEEP_INDEX_SHARDS;
}

const shardName = (name: string, shard: number) => (shard === 0 ? name : `${name}#${shard}`);
const allShards = (name: string) => Array.from({ length: SWEEP_INDEX_SHARDS }, (_, shard) => shardName(name, shard));

/**
 * Every key of the single table is built here, and only here.
 *
 * | Entity / access pattern                    | PK                    | SK                  | GSI1PK            | GSI1SK          |
 * |--------------------------------------------|-----------------------|---------------------|-------------------|-----------------|
 * | Account by id                              | ACC#<account_id>      | ACCOUNT             |                   |                 |
 * | Email → account (uniqueness guard, login)  | EMAIL#<email>         | EMAIL               |                   |                 |
 * | Session by token hash                      | SESSION#<hash>        | SESSION             | ACC#<account_id>  | SESSION#<hash>  |
 * | API keys of an account (list, newest first)| ACC#<account_id>      | KEY#<key_id>        |                   |                 |
 * | API key by secret hash (authentication)    | APIKEY#<hash>         | APIKEY              |                   |                 |
 * | Collections of an account (newest first)   | ACC#<account_id>      | COL#<collection_id> |                   |                 |
 * | Collection name guard (unique per account) | ACC#<account_id>      | COLNAME#<name>      |                   |                 |
 * | Collections being deleted (sweep resumes)  |                       |                     | DELETING          | COL#<id>        |
 * | Everything a collection owns (cascade)     |                       |                     | COL#<collection_id>| <child SK>     |
 * | Videos of an account (newest first)        | ACC#<account_id>      | VID#<video_id>      | COL#<collection_id>| VID#<video_id> |
 * | Jobs of an account (newest first)          | ACC#<account_id>      | JOB#<job_id>        | COL#<collection_id>| JOB#<job_id>   |
 * | Upload sessions                            | ACC#<account_id>      | UPL#<upload_id>     | COL#<collection_id>| UPL#<upload_id>|
 * | Open uploads by expiry (daily sweep)       | OPEN_UPLOADS[#<shard>]| <expires_iso>#<upl> |                   |                 |
 * | Rate-limit window counter (TTL'd)          | RATE#<scope>          | <group>#<window>    |                   |                 |
 * | Credit ledger of an account (newest first) | ACC#<account_id>      | TXN#<txn_id>        |                   |                 |
 * | Accounts whose trial credit expires on day |                       |                     | TRIAL_EXPIRY#<day>| ACC#<account_id>|
 * | Accounts being deleted (sweep resumes)     |                       |                     | DELETING_ACCOUNTS | ACC#<account_id>|
 * | Sessions of an account (deletion)          |                       |                     | ACC#<account_id>  | SESSION#<hash>  |
 * | Daily search count (day-keyed, TTL'd)      | QUOTA#<account_id>    | SEARCH#<yyyy-mm-dd> |                   |                 |
 * | Account events for webhooks (outbox)       | ACC#<account_id>      | EVT#<event_id>      | EVENTS_PENDING[#<shard>] (until fanned out) | <created_iso>#<evt_id> |
 * | Webhook endpoints of an account            | ACC#<account_id>      | WH#<webhook_id>     |                   |                 |
 * | Deliveries of an endpoint (newest first)   | ACC#<account_id>      | WHDEL#<wh>#<del_id> | WEBHOOKS_DUE[#<shard>] (while due) | <next_attempt_iso>#<del_id> |
 * | The account's default webhook secret       | ACC#<account_id>      | WHSECRET#default    |                   |                 |
 * | Search feedback of an account (down = hidden)| ACC#<account_id>      | FEEDBACK#<vid>@<ts> |                   |                 |
 * | Past search queries (suggest, TTL'd)       | ACC#<account_id>      | QUERY#<normalised>  |                   |                 |
 * | A search's query, for its clicks (TTL'd)   | ACC#<account_id>      | SEARCH#<search_id>  |                   |                 |
 * | Clicks on search results (TTL'd)           | ACC#<account_id>      | CLICK#<search_id>#<vid>@<ts> |          |                 |
 * | Clicks per query and video (ranking boost) | ACC#<account_id>      | CLICKS#<normalised>#<vid> |             |                 |
 * | Frame map computation of a scope (marker)  | ACC#<account_id>      | FRAMEMAP#<scope>    |                   |                 |
 * | Idempotency records (Powertools)           | IDEMPOTENCY[#<shard>] | <fn>#<key hash>     |                   |                 |
 * | Stripe payment credited (once-only guard)  | STRIPE_PI#<pi_id>     | APPLIED             |                   |                 |
 * | Stripe event applied (once-only guard)     | STRIPE_EVT#<evt_id>   | APPLIED             |                   |                 |
 * | Stripe payment taken back (refund, dispute)| STRIPE_PI#<pi_id>     | REVERSED            |                   |                 |
 * | Auto top-up requests of an account (outbox)| ACC#<account_id>      | AUTOTOPUP#<evt_id>  | AUTO_TOPUPS_PENDING (until done) | <created_iso>#<evt_id> |
 * | Accounts whose storage is charged (payg)   | STORAGE_BILLED        | ACC#<account_id>    |                   |                 |
 * | Storage accrued for a day (once-only guard)| ACC#<account_id>      | STORAGE#<yyyy-mm-dd>|                   |                 |
 *
 * Uniqueness (email, collection name) is a guard item written with attribute_not_exists in the
 * same transaction as the entity. Counters change only by conditional ADD.
 */
export const keys = {
  account: (accountId: string) => ({ PK: `ACC#${accountId}`, SK: 'ACCOUNT' }),
  emailGuard: (email: string) => ({ PK: `EMAIL#${email}`, SK: 'EMAIL' }),

  session: (tokenHash: string) => ({ PK: `SESSION#${tokenHash}`, SK: 'SESSION' }),
  sessionIndex: (accountId: string, tokenHash: string) => ({ GSI1PK: `ACC#${accountId}`, GSI1SK: `SESSION#${tokenHash}` }),

  apiKey: (accountId: string, keyId: string) => ({ PK: `ACC#${accountId}`, SK: `KEY#${keyId}` }),
  apiKeysOf: (accountId: string) => ({ PK: `ACC#${accountId}`, SKPrefix: 'KEY#' }),
  apiKeyLookup: (secretHash: string) => ({ PK: `APIKEY#${secretHash}`, SK: 'APIKEY' }),

  collection: (accountId: string, collectionId: string) => ({ PK: `ACC#${accountId}`, SK: `COL#${collectionId}` }),
  collectionsOf: (accountId: string) => ({ PK: `ACC#${accountId}`, SKPrefix: 'COL#' }),
  collectionNameGuard: (accountId: string, normalizedName: string) => ({ PK: `ACC#${accountId}`, SK: `COLNAME#${normalizedName}` }),
  collectionDeleting: (collectionId: string) => ({ GSI1PK: 'DELETING', GSI1SK: `COL#${collectionId}` }),
  deletingCollections: () => ({ GSI1PK: 'DELETING' }),
  ownedByCollection: (collectionId: string) => ({ GSI1PK: `COL#${collectionId}` }),

  video: (accountId: string, videoId: string) => ({ PK: `ACC#${accountId}`, SK: `VID#${videoId}` }),
  videoIndex: (collectionId: string, videoId: string) => ({ GSI1PK: `COL#${collectionId}`, GSI1SK: `VID#${videoId}` }),
  videosOf: (accountId: string) => ({ PK: `ACC#${accountId}`, SKPrefix: 'VID#' }),
  /** A collection's videos through GSI1 (PK with them: where a page resumes). */
  videosOfCollection: (accountId: string, collectionId: string) => ({ PK: `ACC#${accountId}`, SKPrefix: 'VID#', GSI1PK: `COL#${collectionId}` }),

  job: (accountId: string, jobId: string) => ({ PK: `ACC#${accountId}`, SK: `JOB#${jobId}` }),
  jobIndex: (collectionId: string, jobId: string) => ({ GSI1PK: `COL#${collectionId}`, GSI1SK: `JOB#${jobId}` }),
  jobsOf: (accountId: string) => ({ PK: `ACC#${accountId}`, SKPrefix: 'JOB#' }),
  jobsOfCollection: (accountId: string, collectionId: string) => ({ PK: `ACC#${accountId}`, SKPrefix: 'JOB#', GSI1PK: `COL#${collectionId}` }),

  upload: (accountId: string, uploadId: string) => ({ PK: `ACC#${accountId}`, SK: `UPL#${uploadId}` }),
  uploadIndex: (collectionId: string, uploadId: string) => ({ GSI1PK: `COL#${collectionId}`, GSI1SK: `UPL#${uploadId}` }),
  openUpload: (expiresAtIso: string, uploadId: string) => ({ PK: shardName('OPEN_UPLOADS', shardOf(uploadId)), SK: `${expiresAtIso}#${uploadId}` }),
  /** One range per shard: the daily sweep reads each. */
  openUploadsBefore: (isoTime: string) => allShards('OPEN_UPLOADS').map((PK) => ({ PK, SKBefore: `${isoTime}#~` })),

  /** scope: `acc:<id>`, `email:<address>` or `ip:<address>`; window: its start, epoch seconds. */
  rateWindow: (scope: string, group: string, windowStartSecs: number) => ({ PK: `RATE#${scope}`, SK: `${group}#${windowStartSecs}` }),

  ledgerEntry: (accountId: string, txnId: string) => ({ PK: `ACC#${accountId}`, SK: `TXN#${txnId}` }),
  ledgerOf: (accountId: string) => ({ PK: `ACC#${accountId}`, SKPrefix: 'TXN#' }),
  trialExpiryIndex: (dayIso: string, accountId: string) => ({ GSI1PK: `TRIAL_EXPIRY#${dayIso}`, GSI1SK: `ACC#${accountId}` }),
  trialExpiringOn: (dayIso: string) => ({ GSI1PK: `TRIAL_EXPIRY#${dayIso}` }),

  accountDeleting: (accountId: string) => ({ GSI1PK: 'DELETING_ACCOUNTS', GSI1SK: `ACC#${accountId}` }),
  deletingAccounts: () => ({ GSI1PK: 'DELETING_ACCOUNTS' }),
  sessionsOf: (accountId: string) => ({ GSI1PK: `ACC#${accountId}`, GSI1SKPrefix: 'SESSION#' }),

  searchQuota: (accountId: string, dayIso: string) => ({ PK: `QUOTA#${accountId}`, SK: `SEARCH#${dayIso}` }),
  accountEvent: (accountId: string, eventId: string) => ({ PK: `ACC#${accountId}`, SK: `${ACCOUNT_EVENT_SK_PREFIX}${eventId}` }),
  accountEventsOf: (accountId: string) => ({ PK: `ACC#${accountId}`, SKPrefix: ACCOUNT_EVENT_SK_PREFIX }),
  /** Listed while no delivery has been made for it, so the every-minute sweep fans out what a lost stream record or process left behind (sparse). */
  accountEventPendingIndex: (createdAtIso: string, eventId: string) => ({
    GSI1PK: shardName('EVENTS_PENDING', shardOf(eventId)),
    GSI1SK: `${createdAtIso}#${eventId}`,
  }),
  /** One partition per shard: the sweep reads each. */
  accountEventsPending: () => allShards('EVENTS_PENDING').map((GSI1PK) => ({ GSI1PK })),

  webhookEndpoint: (accountId: string, webhookId: string) => ({ PK: `ACC#${accountId}`, SK: `WH#${webhookId}` }),
  webhookEndpointsOf: (accountId: string) => ({ PK: `ACC#${accountId}`, SKPrefix: 'WH#' }),
  /** `webhookId` is `upload` for a per-upload webhook_url (no endpoint of its own). */
  webhookDelivery: (accountId: string, webhookId: string, deliveryId: string) => ({ PK: `ACC#${accountId}`, SK: `WHDEL#${webhookId}#${deliveryId}` }),
  webhookDeliveriesOf: (accountId: string, webhookId: string) => ({ PK: `ACC#${accountId}`, SKPrefix: `WHDEL#${webhookId}#` }),
  /** Listed while the delivery still has an attempt to make (sparse): the retry sweep reads the due ones. */
  webhookDeliveryDueIndex: (nextAttemptIso: string, deliveryId: string) => ({
    GSI1PK: shardName('WEBHOOKS_DUE', shardOf(deliveryId)),
    GSI1SK: `${nextAttemptIso}#${deliveryId}`,
  }),
  /** One range per shard: the sweep reads each. */
  webhookDeliveriesDueBefore: (isoTime: string) => allShards('WEBHOOKS_DUE').map((GSI1PK) => ({ GSI1PK, GSI1SKBefore: `${isoTime}#~` })),
  /** Every delivery of the account, whichever endpoint (an account's deletion removes them). */
  webhookDeliveriesOfAccount: (accountId: string) => ({ PK: `ACC#${accountId}`, SKPrefix: 'WHDEL#' }),
  webhookDefaultSecret: (accountId: string) => ({ PK: `ACC#${accountId}`, SK: 'WHSECRET#default' }),

  searchFeedback: (accountId: string, segmentKey: string) => ({ PK: `ACC#${accountId}`, SK: `FEEDBACK#${segmentKey}` }),
  searchFeedbackOf: (accountId: string) => ({ PK: `ACC#${accountId}`, SKPrefix: 'FEEDBACK#' }),
  pastQuery: (accountId: string, normalisedQuery: string) => ({ PK: `ACC#${accountId}`, SK: `QUERY#${normalisedQuery}` }),
  pastQueriesStartingWith: (accountId: string, normalisedPrefix: string) => ({ PK: `ACC#${accountId}`, SKPrefix: `QUERY#${normalisedPrefix}` }),

  searchRecord: (accountId: string, searchId: string) => ({ PK: `ACC#${accountId}`, SK: `SEARCH#${searchId}` }),
  searchClick: (accountId: string, searchId: string, segmentKey: string) => ({ PK: `ACC#${accountId}`, SK: `CLICK#${searchId}#${segmentKey}` }),
  /** `normalisedQuery` holds only [a-z0-9 ] (lib/text.ts normalise), so `#` ends it. */
  clickCount: (accountId: string, normalisedQuery: string, videoId: string) => ({ PK: `ACC#${accountId}`, SK: `CLICKS#${normalisedQuery}#${videoId}` }),
  clickCountsOf: (accountId: string, normalisedQuery: string) => ({ PK: `ACC#${accountId}`, SKPrefix: `CLICKS#${normalisedQuery}#` }),

  /** `scope`: a collection id, or `all` for the whole account (as the map's cache object is named). */
  frameMapRun: (accountId: string, scope: string) => ({ PK: `ACC#${accountId}`, SK: `FRAMEMAP#${scope}` }),

  /** The partition of one idempotency scope (`<account>:<Idempotency-Key>`): a repeat finds its record in the same shard. */
  idempotencyPartition: (scope: string) => shardName('IDEMPOTENCY', shardOf(scope)),

  /** Global, not per account: a PaymentIntent is credited once whichever path (top-up answer or webhook) gets there first. */
  stripePaymentApplied: (paymentIntentId: string) => ({ PK: `STRIPE_PI#${paymentIntentId}`, SK: 'APPLIED' }),
  stripeEventApplied: (eventId: string) => ({ PK: `STRIPE_EVT#${eventId}`, SK: 'APPLIED' }),
  /** How much of a credited payment refunds and disputes have taken back so far (written with each take-back). */
  stripePaymentReversal: (paymentIntentId: string) => ({ PK: `STRIPE_PI#${paymentIntentId}`, SK: 'REVERSED' }),

  /** Written with the debit that crossed the auto top-up threshold; the table's stream (AWS) or the local runtime hands it to the charger. */
  autoTopUpRequest: (accountId: string, requestId: string) => ({ PK: `ACC#${accountId}`, SK: `${AUTO_TOPUP_SK_PREFIX}${requestId}` }),
  /** Listed here while pending, so the daily run finds requests whose charger never ran (sparse: removed once done). */
  autoTopUpPendingIndex: (createdAtIso: string, requestId: string) => ({ GSI1PK: 'AUTO_TOPUPS_PENDING', GSI1SK: `${createdAtIso}#${requestId}` }),
  autoTopUpsPendingBefore: (isoTime: string) => ({ GSI1PK: 'AUTO_TOPUPS_PENDING', GSI1SKBefore: `${isoTime}#` }),

  /** One item per pay-as-you-go account (written and removed with the plan change): the daily storage accrual's list. */
  storageBilledAccount: (accountId: string) => ({ PK: 'STORAGE_BILLED', SK: `ACC#${accountId}` }),
  storageBilledAccounts: () => ({ PK: 'STORAGE_BILLED', SKPrefix: 'ACC#' }),
  /** Written with the day's storage charge, so a day is charged at most once however often the daily run repeats. */
  storageAccrual: (accountId: string, dayIso: string) => ({ PK: `ACC#${accountId}`, SK: `STORAGE#${dayIso}` }),
} as const;

export function collectionIdFromSortKey(sortKey: string): string {
  return sortKey.slice('COL#'.length);
}

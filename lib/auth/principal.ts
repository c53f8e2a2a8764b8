import type { KeyPermissions } from '#lib/db/api-keys';
import type { PlanId } from '#lib/plans';

/**
 * Who is calling: resolved once per request by the auth step of the HTTP chain. `account` is what
 * that step read (consistently) of the account, so the request needs no second read of it.
 */
export interface AccountSnapshot {
  plan: PlanId;
  /** AccountRecord.videos_epoch (0 when never set). */
  videosEpoch: number;
  /** AccountRecord.index_epoch (0 when never set). */
  indexEpoch: number;
  /** AccountRecord.feedback_epoch (0 when never set). */
  feedbackEpoch: number;
  /** The balance is below zero (a refund or dispute took back spent credit): no paid work until a top-up. */
  suspended: boolean;
}

/** Who may call a route: `key`: an API key or a session; `session`: a signed-in person only; `none`: public. */
export type AuthKind = 'none' | 'key' | 'session';

export type Principal =
  | { kind: 'session'; accountId: string; account: AccountSnapshot; sessionTokenHash: string; permissions: 'all' }
  | { kind: 'api_key'; accountId: string; account: AccountSnapshot; keyId: string; permissions: KeyPermissions };

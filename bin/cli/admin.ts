import { AppError } from '#lib/errors';
import { dynamoClient } from '#lib/db/client';
import { PLAN_IDS } from '#lib/plans';
import { grantCreditsByEmail, isPlanId, recountListsByEmail, setPlanByEmail } from '#lib/billing/admin';
import { CliError } from './errors.ts';

/**
 * `frameseek admin …`: operator commands that act on the data store directly, with the server's
 * own settings (FRAMESEEK_TABLE_NAME, FRAMESEEK_DYNAMODB_ENDPOINT, AWS credentials). main.ts loads
 * this module only when an admin command runs, so the HTTP client commands never need those settings.
 */
export interface SetPlanFlags {
  email: string;
  plan: string;
  json?: boolean;
}

export interface GrantCreditsFlags {
  email: string;
  micros: number;
  note?: string;
  json?: boolean;
}

type Output = Pick<NodeJS.WriteStream, 'write'>;
type Result = (name: string, value: string | number) => void;

/**
 * Domain refusals read like the API's (`error: CODE: message`); the store's connections close so the process can exit.
 * Results are `name  value` lines, or with --json one `{data: {…}}` object once the action has succeeded.
 */
async function asCommand(stdout: Output, json: boolean | undefined, action: (result: Result) => Promise<void>): Promise<number> {
  const results: Record<string, string | number> = {};
  try {
    await action((name, value) => {
      results[name] = value;
      if (!json) stdout.write(`${name.padEnd(14)} ${value}\n`);
    });
    if (json) stdout.write(`${JSON.stringify({ data: results }, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof AppError) throw new CliError(error.code, error.message);
    throw error;
  } finally {
    dynamoClient.destroy();
  }
}

export function setPlan(flags: SetPlanFlags, stdout: Output): Promise<number> {
  return asCommand(stdout, flags.json, async (result) => {
    const { plan } = flags;
    if (!isPlanId(plan)) throw new CliError('VALIDATION_ERROR', `--plan must be one of ${PLAN_IDS.join(', ')} (got ${plan})`);
    const changed = await setPlanByEmail(flags.email, plan);
    result('account', changed.accountId);
    result('plan', changed.plan);
  });
}

export function grantCredits(flags: GrantCreditsFlags, stdout: Output): Promise<number> {
  return asCommand(stdout, flags.json, async (result) => {
    if (!Number.isSafeInteger(flags.micros)) throw new CliError('VALIDATION_ERROR', `--micros is too large (got ${flags.micros})`);
    const { accountId, entry } = await grantCreditsByEmail(flags.email, flags.micros, flags.note);
    result('account', accountId);
    result('transaction', entry.id);
    result('balance_micros', entry.balance_after_micros);
  });
}

export interface RecountListsFlags {
  email: string;
  json?: boolean;
}

export function recountLists(flags: RecountListsFlags, stdout: Output): Promise<number> {
  return asCommand(stdout, flags.json, async (result) => {
    const { accountId, counts } = await recountListsByEmail(flags.email);
    result('account', accountId);
    for (const [name, count] of Object.entries(counts)) result(name, count);
  });
}

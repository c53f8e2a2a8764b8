import { AppError } from '#lib/errors';
import { dynamoClient } from '#lib/db/client';
import { PLAN_IDS } from '#lib/plans';
import { grantCreditsByEmail, isPlanId, setPlanByEmail } from '#lib/billing/admin';
import { CliError } from './errors.ts';

/**
 * `frameseek admin …`: operator commands that act on the data store directly, with the server's
 * own settings (FRAMESEEK_TABLE_NAME, FRAMESEEK_DYNAMODB_ENDPOINT, AWS credentials). main.ts loads
 * this module only when an admin command runs, so the HTTP client commands never need those settings.
 */
export interface SetPlanFlags {
  email: string;
  plan: string;
}

export interface GrantCreditsFlags {
  email: string;
  micros: number;
  note?: string;
}

type Output = Pick<NodeJS.WriteStream, 'write'>;

function result(stdout: Output, name: string, value: string | number): void {
  stdout.write(`${name.padEnd(14)} ${value}\n`);
}

/** Domain refusals read like the API's (`error: CODE: message`); the store's connections close so the process can exit. */
async function asCommand(action: () => Promise<void>): Promise<number> {
  try {
    await action();
    return 0;
  } catch (error) {
    if (error instanceof AppError) throw new CliError(error.code, error.message);
    throw error;
  } finally {
    dynamoClient.destroy();
  }
}

export function setPlan(flags: SetPlanFlags, stdout: Output): Promise<number> {
  return asCommand(async () => {
    const { plan } = flags;
    if (!isPlanId(plan)) throw new CliError('VALIDATION_ERROR', `--plan must be one of ${PLAN_IDS.join(', ')} (got ${plan})`);
    const changed = await setPlanByEmail(flags.email, plan);
    result(stdout, 'account', changed.accountId);
    result(stdout, 'plan', changed.plan);
  });
}

export function grantCredits(flags: GrantCreditsFlags, stdout: Output): Promise<number> {
  return asCommand(async () => {
    if (!Number.isSafeInteger(flags.micros)) throw new CliError('VALIDATION_ERROR', `--micros is too large (got ${flags.micros})`);
    const { accountId, entry } = await grantCreditsByEmail(flags.email, flags.micros, flags.note);
    result(stdout, 'account', accountId);
    result(stdout, 'transaction', entry.id);
    result(stdout, 'balance_micros', entry.balance_after_micros);
  });
}

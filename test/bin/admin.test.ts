import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { list, signUp, useTestApi } from '#test/support/api';
import { runProcess, type CliRun } from '#test/support/cli';

/**
 * `frameseek admin …` as an operator runs it: a child process with the server's settings (this
 * file's environment already points at its DynamoDB table), acting on the data store directly.
 */
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const api = useTestApi();

function frameseekAdmin(args: string[]): Promise<CliRun> {
  return runProcess(process.execPath, ['--import', 'tsx', 'bin/cli/main.ts', 'admin', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TSX_DISABLE_CACHE: '1' },
  });
}

describe('frameseek admin', () => {
  it('grant-credits adds a grant to the balance and prints the new balance', async () => {
    const { token, email } = await signUp(api);

    const run = await frameseekAdmin(['grant-credits', '--email', email, '--micros', '1250000', '--note', 'Beta tester thanks']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^balance_micros\s+6250000$/m);
    expect(run.stdout).toMatch(/^transaction\s+txn_[0-9a-z]{26}$/m);
    expect((await api.get('/v1/billing', { token })).body.data.credits_micros).toBe(6_250_000);
    expect(list((await api.get('/v1/billing/transactions', { token })).body.data)[0]).toMatchObject({
      type: 'grant',
      amount_micros: 1_250_000,
      description: 'Beta tester thanks',
    });
  });

  it('set-plan moves the account to another plan', async () => {
    const { token, email } = await signUp(api);

    const run = await frameseekAdmin(['set-plan', '--email', email, '--plan', 'enterprise']);

    expect(run.code).toBe(0);
    expect((await api.get('/v1/account', { token })).body.data.plan).toBe('enterprise');
  });

  it('with --json prints the result as one object', async () => {
    const { accountId: account, email } = await signUp(api);

    const run = await frameseekAdmin(['set-plan', '--email', email, '--plan', 'payg', '--json']);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ data: { account, plan: 'payg' } });
  });

  it('exits 1 naming the problem for an unknown email or plan', async () => {
    const { token, email } = await signUp(api);

    const unknownEmail = await frameseekAdmin(['grant-credits', '--email', 'nobody@example.com', '--micros', '1000']);
    const unknownPlan = await frameseekAdmin(['set-plan', '--email', email, '--plan', 'gold']);

    expect([unknownEmail.code, unknownPlan.code]).toEqual([1, 1]);
    expect(unknownEmail.stderr).toContain('error: NOT_FOUND: No account has the email nobody@example.com');
    expect(unknownPlan.stderr).toContain('error: VALIDATION_ERROR: --plan must be one of free, payg, enterprise (got gold)');
    expect((await api.get('/v1/account', { token })).body.data.plan).toBe('free');
  });

  it('recount-lists sets the totals of an account made before the counters existed from its rows', async () => {
    const { token, accountId, email } = await signUp(api);
    for (const name of ['one', 'two']) expect((await api.post('/v1/collections', { token, body: { name } })).status).toBe(201);
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.account(accountId),
        UpdateExpression: 'REMOVE collection_count, video_count, job_count, api_key_count, ledger_entries',
      }),
    );
    const before = (await api.get('/v1/collections', { token })).body.meta.total;

    const run = await frameseekAdmin(['recount-lists', '--email', email, '--json']);

    expect(before).toBe(0);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      data: { account: accountId, collection_count: 2, video_count: 0, job_count: 0, api_key_count: 0, ledger_entries: 1 },
    });
    expect((await api.get('/v1/collections', { token })).body.meta.total).toBe(2);
    expect((await api.get('/v1/billing/transactions', { token })).body.meta.total).toBe(1);
  });
});

import { Option, type Command } from 'commander';
import { succeed, unwrap } from '#sdk/index';
import { anonymous, connect, printFields, printJson, printTable, withCommonOptions, type CommonFlags, actionsRunBy, type Runner } from './context.ts';
import { CliError } from './errors.ts';
import { firstLineOfStdin, hiddenPrompt } from './prompt.ts';
import { readSession, removeSession, writeSession } from './session-store.ts';

/** `login`, `logout`, `keys …` and `billing`: the commands of a signed-in person (sessions, not API keys). */

interface LoginFlags extends CommonFlags {
  email: string;
  passwordStdin?: boolean;
}

interface CreateKeyFlags extends CommonFlags {
  name: string;
  permissions: 'all' | 'read_only';
}

function dollars(micros: number): string {
  return `$${(micros / 1_000_000).toFixed(2)}`;
}

async function login(flags: LoginFlags): Promise<number> {
  const password = flags.passwordStdin ? await firstLineOfStdin() : await hiddenPrompt(`password for ${flags.email}: `);
  if (!password) throw new CliError('MISSING_PASSWORD', 'no password given');
  const { client, apiUrl } = anonymous(flags, (await readSession())?.api_url);
  const { data } = await unwrap(client.POST('/v1/auth/login', { body: { email: flags.email, password } }));
  const path = await writeSession({ api_url: apiUrl, token: data.session.token, email: data.account.email, expires_at: data.session.expires_at });
  // The token itself is not printed, not even with --json: it sits in the file, readable by this user only.
  if (flags.json) printJson({ data: { account: data.account, session: { expires_at: data.session.expires_at, file: path } } });
  else
    process.stdout.write(`logged in to ${apiUrl} as ${data.account.email} (${data.account.id}); session saved in ${path} until ${data.session.expires_at}\n`);
  return 0;
}

async function logout(flags: CommonFlags): Promise<number> {
  const session = await readSession();
  if (!session) {
    process.stderr.write('not logged in\n');
    return 0;
  }
  const { client } = await connect(flags, 'session');
  try {
    await succeed(client.POST('/v1/auth/logout'));
  } finally {
    // Whatever the API said (an expired session is already over), this machine forgets the token.
    await removeSession();
  }
  if (flags.json) printJson({ data: null });
  else process.stdout.write(`logged out of ${session.api_url}\n`);
  return 0;
}

async function listKeys(flags: CommonFlags): Promise<number> {
  const { client } = await connect(flags, 'session');
  const answer = await unwrap(client.GET('/v1/api_keys'));
  if (flags.json) printJson(answer);
  else {
    const rows = answer.data.map((key) => [key.id, key.name, key.prefix, key.permissions, key.created_at, key.last_used_at, key.revoked_at]);
    printTable(['ID', 'NAME', 'PREFIX', 'PERMISSIONS', 'CREATED', 'LAST USED', 'REVOKED'], rows);
  }
  return 0;
}

async function createKey(flags: CreateKeyFlags): Promise<number> {
  const { client } = await connect(flags, 'session');
  const answer = await unwrap(client.POST('/v1/api_keys', { body: { name: flags.name, permissions: flags.permissions } }));
  if (flags.json) printJson(answer);
  else {
    printFields([
      ['id', answer.data.id],
      ['name', answer.data.name],
      ['permissions', answer.data.permissions],
      ['key', answer.data.key],
    ]);
    process.stderr.write('the key is shown only now: keep it somewhere safe\n');
  }
  return 0;
}

async function revokeKey(keyId: string, flags: CommonFlags): Promise<number> {
  const { client } = await connect(flags, 'session');
  await succeed(client.DELETE('/v1/api_keys/{key_id}', { params: { path: { key_id: keyId } } }));
  if (flags.json) printJson({ data: null });
  else process.stdout.write(`revoked ${keyId}\n`);
  return 0;
}

async function billing(flags: CommonFlags): Promise<number> {
  const { client } = await connect(flags, 'session');
  const answer = await unwrap(client.GET('/v1/billing'));
  if (flags.json) printJson(answer);
  else {
    const { plan, credits_micros, payment_method, auto_topup } = answer.data;
    printFields([
      ['plan', plan],
      ['credits', dollars(credits_micros)],
      ['card', payment_method ? `${payment_method.brand} …${payment_method.last4}` : 'none'],
      ['auto top-up', auto_topup.enabled ? `${dollars(auto_topup.amount_micros)} below ${dollars(auto_topup.threshold_micros)}` : 'off'],
    ]);
  }
  return 0;
}

export function addAccountCommands(program: Command, run: Runner): void {
  const action = actionsRunBy(run);

  withCommonOptions(
    program
      .command('login')
      .description('Sign in with email and password; the session is saved (mode 600) in $XDG_CONFIG_HOME/frameseek/session.json')
      .requiredOption('--email <email>', 'the email of the account')
      .option('--password-stdin', 'read the password from the first line of standard input instead of asking'),
  ).action(action(login));

  withCommonOptions(program.command('logout').description('End the saved session (at once, on the API too) and forget it')).action(action(logout));

  const keys = program.command('keys').description('API keys for programs (needs `frameseek login`)');
  withCommonOptions(keys.command('list').description('Every API key of the account, revoked ones included')).action(action(listKeys));
  withCommonOptions(
    keys
      .command('create')
      .description('Create an API key; its secret is printed only this once')
      .requiredOption('--name <name>', 'a name to recognise it by')
      .addOption(new Option('--permissions <permissions>', 'what the key may do').choices(['all', 'read_only']).default('all')),
  ).action(action(createKey));
  withCommonOptions(keys.command('revoke').description('Revoke an API key, effective on its next request').argument('<key_id>', 'the key (key_…)')).action(
    action(revokeKey),
  );

  withCommonOptions(program.command('billing').description('Plan, credits, card and auto top-up (needs `frameseek login`)')).action(action(billing));
}

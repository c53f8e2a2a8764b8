import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { MODEL_EXPORTS, ModelPullError, pullModel, pullReporter } from '#lib/ml/models-pull';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#infra/local/credentials';
import { addAccountCommands } from './account-commands.ts';
import { ApiClient } from './api-client.ts';
import { asCliError, connect, localServer, withCommonOptions, type CommonFlags } from './context.ts';
import { CliError, InterruptedError } from './errors.ts';
import { addLibraryCommands } from './library-commands.ts';
import { addWebhookCommands } from './webhook-commands.ts';
import { uploadFile } from './upload.ts';
import type { GrantCreditsFlags, RecountListsFlags, SetPlanFlags } from './admin.ts';

/**
 * `frameseek`: a command-line client of the Frameseek API, built on the SDK (sdk/). It speaks only HTTP to the API
 * (and to the storage URLs the API hands out), so it runs against any deployment, local or in the cloud.
 *
 * Exit codes: 0 done; 1 the API refused or something failed (the line says CODE: message); 2 the command line
 * was wrong; 3 `jobs watch` saw its job fail; 130 interrupted.
 */
const USAGE_EXIT = 2;

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface UploadFlags extends CommonFlags {
  collection?: string;
  concurrency: number;
  waitSecs: number;
  wait: boolean;
}

function integerAtLeast(minimum: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < minimum) throw new InvalidArgumentError(`expected a whole number ≥ ${minimum}`);
    return parsed;
  };
}

/** What to do after an interruption; it changes once the upload is complete and nothing is left to resume. */
let afterInterruption = 'run the same command again to resume';

/** Exits as Ctrl-C would (130); the resume state stays, so the same command picks up from here. */
function exitInterrupted(reason: string): never {
  // Said on exit, so after the progress bar has taken itself off the screen (its exit hook runs first).
  process.once('exit', () => process.stderr.write(`interrupted (${reason}); ${afterInterruption}\n`));
  process.exit(130);
}

/** Runs a command, turning its known failures into `error: CODE: message` and an exit code. */
async function run(command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (thrown) {
    const error = asCliError(thrown);
    if (error instanceof InterruptedError) exitInterrupted(error.message);
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.code}: ${error.message}\n`);
    } else {
      // Anything else (the data store unreachable, no AWS credentials, …) is still one line, never a stack trace.
      const name = error instanceof Error ? error.name : 'Error';
      const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
      process.stderr.write(`error: ${name}: ${message}\n`);
    }
    return 1;
  }
}

/** What the command modules hand their actions to: the exit code lands in process.exitCode. */
async function runAction(command: () => Promise<number>): Promise<void> {
  process.exitCode = await run(command);
}

/** FRAMESEEK_CLI_STOP_AFTER_PARTS: a test switch that simulates Ctrl-C once N parts are stored. */
function stopAfterParts(): number | undefined {
  const value = process.env.FRAMESEEK_CLI_STOP_AFTER_PARTS;
  return value && /^\d+$/.test(value) && Number(value) > 0 ? Number(value) : undefined;
}

const program = new Command('frameseek')
  .description('Command-line client of the Frameseek video search API')
  .version(VERSION, '-V, --version', 'print the version')
  .showHelpAfterError()
  // Set before any subcommand exists, so every one inherits it: a wrong command line exits 2, not 1.
  .exitOverride();

withCommonOptions(
  program
    .command('upload')
    .description('Upload a video into a collection; run it again after an interruption to resume')
    .argument('<file>', 'the video (.mp4, .mov, .avi, .webm, .mpeg, .mpg or .mkv)')
    // Checked in the action rather than by commander, which would complain about it before a missing <file>.
    .option('--collection <id>', 'the collection to upload into (col_…; required)')
    .option('--concurrency <n>', 'parts uploaded at once', integerAtLeast(1), 4)
    .option('--wait-secs <n>', 'how long to wait for the job to leave "queued"', integerAtLeast(0), 60)
    .option('--no-wait', 'do not wait for the job; print its id and exit'),
).action(async (file: string, flags: UploadFlags) => {
  process.exitCode = await run(async () => {
    const collectionId = flags.collection;
    if (!collectionId) throw new CliError('MISSING_COLLECTION', 'no collection: pass --collection col_… (or create one: frameseek collections create <name>)');
    return uploadFile({
      file,
      collectionId,
      api: new ApiClient((await connect(flags)).client),
      json: flags.json === true,
      stateDir: process.env.FRAMESEEK_STATE_DIR || join(homedir(), '.frameseek', 'uploads'),
      concurrency: flags.concurrency,
      waitSecs: flags.wait ? flags.waitSecs : undefined,
      stopAfterParts: stopAfterParts(),
      onUploaded: (ids) => {
        afterInterruption = `the upload is complete; follow its job with GET /v1/jobs/${ids.job_id}`;
      },
      stdout: process.stdout,
      stderr: process.stderr,
    });
  });
});

/**
 * With no data-store endpoint set, the admin commands act on the local `npm start` of this folder, if one
 * runs: its DynamoDB Local endpoint and table, with the stand-ins' dummy credentials (never real ones).
 */
function useLocalServerUnlessConfigured(): void {
  if (process.env.FRAMESEEK_DYNAMODB_ENDPOINT) return;
  const server = localServer();
  if (!server) return;
  Object.assign(process.env, {
    FRAMESEEK_DYNAMODB_ENDPOINT: server.dynamodb_endpoint,
    FRAMESEEK_S3_ENDPOINT: server.s3_endpoint,
    FRAMESEEK_TABLE_NAME: server.table_name,
    FRAMESEEK_MEDIA_BUCKET: server.bucket,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  });
}

/**
 * The admin commands need the server's settings and data-store client; they are loaded only when
 * one runs. A bad setting stops the command with its name rather than a stack trace.
 */
async function loadAdmin(): Promise<typeof import('./admin.ts')> {
  useLocalServerUnlessConfigured();
  try {
    return await import('./admin.ts');
  } catch (error) {
    throw new CliError('BAD_CONFIG', error instanceof Error ? error.message : String(error));
  }
}

const admin = program
  .command('admin')
  .description(
    'Operator commands acting on the data store directly, with the server settings (FRAMESEEK_TABLE_NAME, FRAMESEEK_DYNAMODB_ENDPOINT, AWS credentials)',
  );

admin
  .command('set-plan')
  .description('Move an account to another plan')
  .requiredOption('--email <email>', 'the email of the account')
  .requiredOption('--plan <plan>', 'the plan: free, payg or enterprise')
  .option('--json', 'print the result as JSON')
  .action(async (flags: SetPlanFlags) => {
    process.exitCode = await run(async () => (await loadAdmin()).setPlan(flags, process.stdout));
  });

admin
  .command('grant-credits')
  .description('Add credit to an account (a `grant` row in its ledger)')
  .requiredOption('--email <email>', 'the email of the account')
  .requiredOption('--micros <n>', 'how much, in micro-dollars (1 USD = 1000000)', integerAtLeast(1))
  .option('--note <text>', 'the description of the ledger row')
  .option('--json', 'print the result as JSON')
  .action(async (flags: GrantCreditsFlags) => {
    process.exitCode = await run(async () => (await loadAdmin()).grantCredits(flags, process.stdout));
  });

admin
  .command('recount-lists')
  .description('Set the totals of an account’s lists from its rows (once, for an account made before the counters existed; run it while the account is quiet)')
  .requiredOption('--email <email>', 'the email of the account')
  .option('--json', 'print the result as JSON')
  .action(async (flags: RecountListsFlags) => {
    process.exitCode = await run(async () => (await loadAdmin()).recountLists(flags, process.stdout));
  });

interface ModelsPullFlags {
  from?: string;
  dir: string;
  json?: boolean;
}

/** Fetches a model export into <dir>/<name>/; what was downloaded stays as .part files for the next run. */
async function pullModelCommand(name: string, flags: ModelsPullFlags): Promise<number> {
  const reporter = pullReporter(process.stdout, process.stderr);
  try {
    const { folder } = await pullModel({ name, modelDir: flags.dir, baseUrl: flags.from, onEvent: reporter.onEvent });
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ data: { name, folder } }, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(`${name} is in ${folder}; use it with FRAMESEEK_EMBEDDER=clip-onnx FRAMESEEK_MODEL_DIR=${flags.dir} FRAMESEEK_CLIP_MODEL=${name}\n`);
    return 0;
  } catch (error) {
    reporter.stop();
    if (error instanceof ModelPullError) throw new CliError(error.code, error.message);
    throw error;
  }
}

const models = program.command('models').description('Image-text model exports for the clip-onnx embedder');

models
  .command('pull')
  .description('Download a public ONNX export of an image-text model into <dir>/<name>/; run it again after an interruption to resume')
  .argument('<name>', `the export: ${Object.keys(MODEL_EXPORTS).join(', ')}`)
  .addOption(new Option('--from <base-url>', 'a mirror holding the same files at the same paths').env('FRAMESEEK_MODEL_BASE_URL'))
  .addOption(new Option('--dir <dir>', 'where model folders go').env('FRAMESEEK_MODEL_DIR').default('.frameseek/models'))
  .option('--json', 'print where the export went as JSON')
  .action(async (name: string, flags: ModelsPullFlags) => {
    process.exitCode = await run(() => pullModelCommand(name, flags));
  });

addAccountCommands(program, runAction);
addLibraryCommands(program, runAction, integerAtLeast);
addWebhookCommands(program, runAction, integerAtLeast);

process.on('SIGINT', () => exitInterrupted('Ctrl-C'));
try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander has already printed what was wrong (and the help); --help and --version end here too, with 0.
  if (!(error instanceof CommanderError)) throw error;
  process.exitCode = error.exitCode === 0 ? 0 : USAGE_EXIT;
}

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `frameseek …` as a user runs it: a child process, its own config dir, speaking HTTP to a running API. */

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** Written to the command's standard input, which is then closed. */
  stdin?: string;
  /** Run inside a pseudo-terminal (util-linux `script`), as in a person's terminal: stdout and stderr arrive together. */
  terminal?: boolean;
}

/** A fresh folder inside the test file's data dir, which is removed after the file (nothing is left in the temp dir). */
export function scratchDir(name: string): string {
  const dataDir = process.env.FRAMESEEK_TEST_DATA_DIR;
  if (!dataDir) throw new Error('per-file-env did not run');
  return mkdtempSync(join(dataDir, `${name}-`));
}

/** A fresh $XDG_CONFIG_HOME, so a test's `login` never meets another test's (or the machine user's) session. */
export function configHome(): string {
  return scratchDir('config');
}

export function frameseek(args: string[], options: CliOptions = {}): Promise<CliRun> {
  // tsx would keep a compile cache in the temp dir, which CI requires the tests to leave empty.
  const env: NodeJS.ProcessEnv = { ...process.env, TSX_DISABLE_CACHE: '1', FRAMESEEK_API_KEY: undefined, FRAMESEEK_API_URL: undefined, ...options.env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  const command = [process.execPath, '--import', 'tsx', 'bin/cli/main.ts', ...args];
  const [program, ...programArgs] = options.terminal
    ? ['script', '--quiet', '--return', '--command', command.map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(' '), '/dev/null']
    : command;
  return runProcess(program ?? process.execPath, programArgs, { cwd: PROJECT_ROOT, env, stdin: options.stdin ?? '' });
}

/** Runs a program to its end and keeps what it wrote; `stdin`, when given, is written to it and then closed. */
export function runProcess(program: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
  });
}

/** A `name  value` line of the CLI's standard output. */
export function printed(run: CliRun, name: string): string {
  const match = new RegExp(`^${name}\\s+(\\S+)\\s*$`, 'm').exec(run.stdout);
  if (!match?.[1]) throw new Error(`no "${name}" line in:\n${run.stdout}\n${run.stderr}`);
  return match[1];
}

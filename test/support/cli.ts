import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** A fresh $XDG_CONFIG_HOME, so a test's `login` never meets another test's (or the machine user's) session. */
export function configHome(): string {
  return mkdtempSync(join(tmpdir(), 'frameseek-config-'));
}

export function frameseek(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, FRAMESEEK_API_KEY: undefined, FRAMESEEK_API_URL: undefined, ...options.env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  const command = [process.execPath, '--import', 'tsx', 'bin/cli/main.ts', ...args];
  const [program, ...programArgs] = options.terminal
    ? ['script', '--quiet', '--return', '--command', command.map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(' '), '/dev/null']
    : command;
  return new Promise((resolve, reject) => {
    const child = spawn(program ?? process.execPath, programArgs, { cwd: PROJECT_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** A `name  value` line of the CLI's standard output. */
export function printed(run: CliRun, name: string): string {
  const match = new RegExp(`^${name}\\s+(\\S+)\\s*$`, 'm').exec(run.stdout);
  if (!match?.[1]) throw new Error(`no "${name}" line in:\n${run.stdout}\n${run.stderr}`);
  return match[1];
}

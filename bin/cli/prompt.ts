import { CliError } from './errors.ts';

/** The first line of standard input (`--password-stdin`: `echo "$PW" | frameseek login …`). */
export async function firstLineOfStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** Asks on the terminal without echoing what is typed; Ctrl-C cancels. */
export function hiddenPrompt(question: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) throw new CliError('MISSING_PASSWORD', 'no terminal to ask for the password on: pass --password-stdin and pipe it in');
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (outcome: () => void) => {
      input.setRawMode(false);
      input.pause();
      input.removeListener('data', onData);
      process.stderr.write('\n');
      outcome();
    };
    const onData = (keys: string) => {
      for (const key of keys) {
        if (key === '\r' || key === '\n') return finish(() => resolve(typed));
        if (key === '\u0003') return finish(() => reject(new CliError('CANCELLED', 'login cancelled')));
        typed = key === '\u007f' ? typed.slice(0, -1) : typed + key;
      }
    };
    input.on('data', onData);
  });
}

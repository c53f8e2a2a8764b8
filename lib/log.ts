/** Structured JSON logs (one line each), the format CloudWatch Logs Insights queries. */
type Fields = Record<string, unknown>;

function describe(error: unknown): Fields {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}

function write(level: 'info' | 'warn' | 'error', message: string, fields: Fields): void {
  const { error, ...rest } = fields;
  const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...rest, ...(error === undefined ? {} : { error: describe(error) }) });
  if (level === 'error') console.error(line);
  else console.log(line);
}

export function logInfo(message: string, fields: Fields = {}): void {
  write('info', message, fields);
}

export function logWarn(message: string, fields: Fields = {}): void {
  write('warn', message, fields);
}

export function logError(message: string, fields: Fields = {}): void {
  write('error', message, fields);
}

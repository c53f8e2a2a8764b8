import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs through Powertools Logger: one line each, with level, timestamp and service
 * (and, in Lambda, the request id), which is what CloudWatch Logs Insights queries. Level from
 * POWERTOOLS_LOG_LEVEL (default INFO). An Error anywhere in the fields is written with its name,
 * message, location and stack.
 */
type Fields = Record<string, unknown>;

const logger = new Logger({ serviceName: 'frameseek' });

export function logInfo(message: string, fields: Fields = {}): void {
  logger.info(message, fields);
}

export function logWarn(message: string, fields: Fields = {}): void {
  logger.warn(message, fields);
}

export function logError(message: string, fields: Fields = {}): void {
  logger.error(message, fields);
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '#lib/config';

/** Created once per cold start and shared by every entity module. */
export const dynamoClient = new DynamoDBClient({
  region: config.AWS_REGION,
  ...(config.FRAMESEEK_DYNAMODB_ENDPOINT ? { endpoint: config.FRAMESEEK_DYNAMODB_ENDPOINT } : {}),
  maxAttempts: 3,
  // A table call answers in milliseconds: a wedged one is cut off and retried, never left to hold a route to its timeout.
  requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
});

export const db = DynamoDBDocumentClient.from(dynamoClient, {
  marshallOptions: { removeUndefinedValues: true },
});

export const tableName = config.FRAMESEEK_TABLE_NAME;

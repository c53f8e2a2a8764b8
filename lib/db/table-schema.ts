/**
 * The physical shape of the single table, read by the CDK stack and by the local runtime's
 * table bootstrap so both create exactly the same thing.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'PK',
  sortKey: 'SK',
  gsi1: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
  /** TTL attribute, epoch seconds (DynamoDB TTL's unit). */
  ttlAttribute: 'expires_at',
} as const;

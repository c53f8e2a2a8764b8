import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { config } from '#lib/config';

/**
 * Where the Stripe keys come from: in AWS a Secrets Manager secret (FRAMESEEK_STRIPE_SECRET_ARN),
 * read once per cold start; locally and in tests the variables themselves. A secret still holding
 * empty values (as the stack creates it) leaves billing off until an operator fills it in.
 */
export interface StripeKeys {
  secretKey: string;
  webhookSecret: string;
}

const secretShape = z.object({ secret_key: z.string(), webhook_secret: z.string() });

export async function loadStripeKeys(secrets: SecretsManagerClient = new SecretsManagerClient({ region: config.AWS_REGION })): Promise<StripeKeys | undefined> {
  if (config.FRAMESEEK_STRIPE_SECRET_ARN) {
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: config.FRAMESEEK_STRIPE_SECRET_ARN }));
    const parsed = secretShape.safeParse(JSON.parse(SecretString ?? '{}'));
    if (!parsed.success) throw new Error('The Stripe secret must be a JSON object {"secret_key", "webhook_secret"}');
    const { secret_key: secretKey, webhook_secret: webhookSecret } = parsed.data;
    return secretKey && webhookSecret ? { secretKey, webhookSecret } : undefined;
  }
  const { FRAMESEEK_STRIPE_SECRET_KEY: secretKey, FRAMESEEK_STRIPE_WEBHOOK_SECRET: webhookSecret } = config;
  return secretKey && webhookSecret ? { secretKey, webhookSecret } : undefined;
}

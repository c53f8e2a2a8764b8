import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LOCAL_CREDENTIALS } from '#infra/local/credentials';
import { loadStripeKeys } from '#lib/billing/stripe-secret';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:frameseek-test-stripe';
// Hoisted: the deployed configuration (a secret ARN, no keys in variables) before config is parsed.
vi.hoisted(() => {
  process.env.FRAMESEEK_STRIPE_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:frameseek-test-stripe';
});

/** A stand-in speaking Secrets Manager's JSON protocol, so the real SDK client is what reads it. */
let server: Server;
let secretString = '';
let requestedIds: string[] = [];
let secrets: SecretsManagerClient;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const target = request.headers['x-amz-target'];
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      requestedIds.push(SecretId);
      if (target !== 'secretsmanager.GetSecretValue') return response.writeHead(400).end();
      response
        .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify({ ARN: SecretId, Name: 'stripe', SecretString: secretString }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  secrets = new SecretsManagerClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('Stripe keys from Secrets Manager', () => {
  it('reads both keys from the secret named by FRAMESEEK_STRIPE_SECRET_ARN', async () => {
    secretString = JSON.stringify({ secret_key: 'sk_live_x', webhook_secret: 'whsec_y' });
    requestedIds = [];

    const keys = await loadStripeKeys(secrets);

    expect(keys).toEqual({ secretKey: 'sk_live_x', webhookSecret: 'whsec_y' });
    expect(requestedIds).toEqual([SECRET_ARN]);
  });

  it('leaves billing off while the secret still holds the empty values the stack creates', async () => {
    secretString = JSON.stringify({ secret_key: '', webhook_secret: '' });

    expect(await loadStripeKeys(secrets)).toBeUndefined();
  });

  it('fails loudly at cold start on a secret of the wrong shape', async () => {
    secretString = JSON.stringify({ key: 'sk_live_x' });

    await expect(loadStripeKeys(secrets)).rejects.toThrow(/secret_key/);
  });
});

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { config } from '#lib/config';
import type { SealedSecret } from '#lib/db/webhooks';

/**
 * Webhook signing secrets are stored sealed, never hashed: the sender needs them back to sign.
 * Sealed with AES-256-GCM under one data key per deployment: in AWS a Secrets Manager secret the
 * stack generates, encrypted at rest with its own KMS key (only the functions that create or send
 * webhooks may read it); locally a file in the data folder, made on first use (mode 0600).
 * The key is the SHA-256 of the stored text, so both stores can hold printable text.
 */

let dataKey: Promise<Buffer> | undefined;

async function loadKeyText(): Promise<string> {
  if (config.FRAMESEEK_WEBHOOK_KEY_SECRET_ARN) {
    const secrets = new SecretsManagerClient({ region: config.AWS_REGION });
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: config.FRAMESEEK_WEBHOOK_KEY_SECRET_ARN }));
    if (!SecretString) throw new Error('The webhook key secret is empty');
    return SecretString;
  }
  const file = config.FRAMESEEK_WEBHOOK_KEY_FILE;
  if (!file) throw new Error('No key to seal webhook secrets: set FRAMESEEK_WEBHOOK_KEY_FILE (local) or FRAMESEEK_WEBHOOK_KEY_SECRET_ARN (AWS)');
  await mkdir(dirname(file), { recursive: true });
  // `wx`: two processes starting at once never overwrite each other's key; the loser reads the winner's.
  await writeFile(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
  return (await readFile(file, 'utf8')).trim();
}

function key(): Promise<Buffer> {
  dataKey ??= loadKeyText().then((text) => createHash('sha256').update(text).digest());
  // A failed read (a network blip to Secrets Manager) is tried again by the next call, not cached.
  dataKey.catch(() => (dataKey = undefined));
  return dataKey;
}

export async function sealSecret(secret: string): Promise<SealedSecret> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await key(), iv);
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return { v: 1, iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

export async function openSecret(sealed: SealedSecret): Promise<string> {
  const decipher = createDecipheriv('aes-256-gcm', await key(), Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
}

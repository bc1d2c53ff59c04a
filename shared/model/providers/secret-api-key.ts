import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ModelError } from '#shared/errors/normflow-errors.ts';

/** A rotated key is picked up within this time; meanwhile each container reads the secret once. */
const MAX_AGE_MS = 15 * 60_000;

const cache = new Map<string, { value: Promise<string>; readAt: number }>();

/**
 * The OpenAI-compatible API key from Secrets Manager (its ARN is deploy-time; the Lambda role may
 * read that secret only), cached per container. A failed read is not cached.
 */
export function secretApiKey(
  secretArn: string,
  options: { client?: SecretsManagerClient; now?: () => number } = {},
): () => Promise<string> {
  const now = options.now ?? Date.now;
  return () => {
    const cached = cache.get(secretArn);
    if (cached && now() - cached.readAt < MAX_AGE_MS) return cached.value;
    const region = /^arn:[^:]+:secretsmanager:([^:]+):/.exec(secretArn)?.[1];
    const client = options.client ?? new SecretsManagerClient(region ? { region } : {});
    const value = client.send(new GetSecretValueCommand({ SecretId: secretArn })).then(
      (output) => {
        if (!output.SecretString) throw new ModelError('Model.Fatal', `the API key secret ${secretArn} has no string value`, { sent: false });
        return output.SecretString.trim();
      },
      (error: unknown) => {
        const name = error instanceof Error ? error.name : 'Error';
        throw new ModelError('Model.Fatal', `cannot read the API key secret ${secretArn}: ${name}`, { cause: error, sent: false });
      },
    );
    value.catch(() => cache.delete(secretArn));
    cache.set(secretArn, { value, readAt: now() });
    return value;
  };
}

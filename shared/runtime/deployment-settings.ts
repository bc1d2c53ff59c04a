import { z } from 'zod';
import type { Deployment } from '#shared/config/config-sources.ts';
import { PROVIDERS } from '#shared/config/normalization-config.ts';
import { EnvironmentError } from '#shared/errors/normflow-errors.ts';
import { parseJsonObjectEnv } from './pipeline-environment.ts';

const unsetWhenEmpty = (value: unknown) => (value === '' ? undefined : value);

/**
 * The deploy-time model settings of the normalize-leads Lambdas (CDK context → environment; the
 * local runtime sets the same names). The config table item can never change them.
 */
export const deploymentEnvironmentSchema = z.object({
  /** Provider: `bedrock` on AWS unless the deployment chose an OpenAI-compatible endpoint; `rules` locally. */
  NORMFLOW_PROVIDER: z.preprocess(unsetWhenEmpty, z.enum(PROVIDERS).default('bedrock')),
  /** OpenAI-compatible endpoint. */
  NORMFLOW_MODEL_BASE_URL: z.preprocess(unsetWhenEmpty, z.url().optional()),
  /** Bedrock region when it is not the Lambda's own. */
  NORMFLOW_MODEL_REGION: z.preprocess(unsetWhenEmpty, z.string().min(1).optional()),
  /** Secrets Manager secret holding the OpenAI-compatible API key. */
  NORMFLOW_API_KEY_SECRET_ARN: z.preprocess(unsetWhenEmpty, z.string().min(1).optional()),
  /** Comma-separated model ids the config item may pick among (unset: any, as locally). */
  NORMFLOW_ALLOWED_MODEL_IDS: z.preprocess(unsetWhenEmpty, z.string().min(1).optional()),
  /** Deployment's JSON config layer under the config table item (e.g. the model id chosen at deploy time). */
  NORMFLOW_CONFIG_DEFAULTS: z.string().optional(),
});

export function deploymentFromEnvironment(env: NodeJS.ProcessEnv): Deployment {
  const result = deploymentEnvironmentSchema.safeParse(env);
  if (!result.success) {
    throw new EnvironmentError(
      `Invalid Lambda environment: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  const settings = result.data;
  const allowed = settings.NORMFLOW_ALLOWED_MODEL_IDS?.split(',').map((id) => id.trim()).filter(Boolean);
  return {
    defaults: parseJsonObjectEnv('NORMFLOW_CONFIG_DEFAULTS', settings.NORMFLOW_CONFIG_DEFAULTS) ?? {},
    model: {
      provider: settings.NORMFLOW_PROVIDER,
      ...(settings.NORMFLOW_MODEL_BASE_URL ? { baseUrl: settings.NORMFLOW_MODEL_BASE_URL } : {}),
      ...(settings.NORMFLOW_MODEL_REGION ? { region: settings.NORMFLOW_MODEL_REGION } : {}),
      ...(settings.NORMFLOW_API_KEY_SECRET_ARN ? { apiKeySecretArn: settings.NORMFLOW_API_KEY_SECRET_ARN } : {}),
    },
    allowedModelIds: allowed && allowed.length > 0 ? allowed : undefined,
  };
}

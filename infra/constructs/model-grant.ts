import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { allowedModelIdsOf, type DeploymentParameters } from '../deployment-parameters.ts';
import { modelGrantFor, type ModelGrant } from './normflow-function.ts';

/**
 * What the InvokeModel Lambda may call, from the deploy-time model settings only: Bedrock on each
 * allowed model id, or (OpenAI-compatible endpoint) read exactly the one secret holding the API key.
 */
export function deploymentModelGrant(scope: Construct, parameters: DeploymentParameters): ModelGrant {
  if (parameters.modelProvider === 'openai') {
    return {
      statements: parameters.modelApiKeySecretArn
        ? [new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [parameters.modelApiKeySecretArn] })]
        : [],
      acknowledgements: [],
    };
  }
  const grants = allowedModelIdsOf(parameters).map((modelId) => modelGrantFor(scope, modelId));
  return {
    statements: grants.flatMap((grant) => grant.statements),
    acknowledgements: grants.flatMap((grant) => grant.acknowledgements),
  };
}

/** The Lambdas' environment for the deploy-time model settings (read by shared/runtime/deployment-settings.ts). */
export function deploymentModelEnvironment(parameters: DeploymentParameters): Record<string, string> {
  return {
    NORMFLOW_PROVIDER: parameters.modelProvider,
    NORMFLOW_ALLOWED_MODEL_IDS: allowedModelIdsOf(parameters).join(','),
    NORMFLOW_CONFIG_DEFAULTS: JSON.stringify({ model: { modelId: parameters.modelId } }),
    ...(parameters.modelBaseUrl ? { NORMFLOW_MODEL_BASE_URL: parameters.modelBaseUrl } : {}),
    ...(parameters.modelRegion ? { NORMFLOW_MODEL_REGION: parameters.modelRegion } : {}),
    ...(parameters.modelApiKeySecretArn ? { NORMFLOW_API_KEY_SECRET_ARN: parameters.modelApiKeySecretArn } : {}),
  };
}

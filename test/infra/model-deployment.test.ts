import { describe, expect, it } from 'vitest';
import { logicalIdOf, synthesize, type SynthesizedStack } from './synth-stack.ts';

/** The model's provider, endpoint, region, key source and allowed ids are deploy-time: CDK context → Lambda environment and IAM. */

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:llm-key-AbCdEf';

function invokeModel(synthesized: SynthesizedStack) {
  const { stack, json } = synthesized;
  const fn = stack.functions['invoke-model'];
  const environment = (json.Resources[logicalIdOf(stack, fn.function)]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
  const roleRef = JSON.stringify([{ Ref: logicalIdOf(stack, fn.role) }]);
  const policy = Object.values(json.Resources).find((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties?.Roles) === roleRef);
  const statements = (policy?.Properties?.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }).Statement;
  return { environment, statements };
}

const actionsOf = (statements: Array<{ Action: string | string[] }>) => statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));

describe('deploy-time model settings', () => {
  it('Bedrock by default: provider and allowed model ids in the environment, InvokeModel on each allowed model only', () => {
    const { environment, statements } = invokeModel(synthesize({ modelId: 'amazon.nova-lite-v1:0', allowedModelIds: 'amazon.nova-pro-v1:0' }));
    expect(environment).toMatchObject({
      NORMFLOW_PROVIDER: 'bedrock',
      NORMFLOW_ALLOWED_MODEL_IDS: 'amazon.nova-lite-v1:0,amazon.nova-pro-v1:0',
      NORMFLOW_CONFIG_DEFAULTS: '{"model":{"modelId":"amazon.nova-lite-v1:0"}}',
    });
    expect(environment).not.toHaveProperty('NORMFLOW_MODEL_BASE_URL');
    expect(environment).not.toHaveProperty('NORMFLOW_API_KEY_SECRET_ARN');
    const bedrock = statements.filter((statement) => actionsOf([statement]).includes('bedrock:InvokeModel'));
    expect(JSON.stringify(bedrock.map((statement) => statement.Resource))).toMatch(/foundation-model\/amazon\.nova-lite-v1:0.*foundation-model\/amazon\.nova-pro-v1:0/);
    expect(actionsOf(statements)).not.toContain('secretsmanager:GetSecretValue');
  });

  it('an OpenAI-compatible endpoint: its URL, region and secret in the environment; the role reads exactly that secret and no Bedrock model', () => {
    const synthesized = synthesize({ modelProvider: 'openai', modelBaseUrl: 'https://llm.example.com/v1', modelId: 'llama3.1', modelApiKeySecretArn: SECRET_ARN });
    const { environment, statements } = invokeModel(synthesized);
    expect(environment).toMatchObject({
      NORMFLOW_PROVIDER: 'openai',
      NORMFLOW_MODEL_BASE_URL: 'https://llm.example.com/v1',
      NORMFLOW_API_KEY_SECRET_ARN: SECRET_ARN,
      NORMFLOW_ALLOWED_MODEL_IDS: 'llama3.1',
    });
    expect(statements.filter((statement) => actionsOf([statement]).includes('secretsmanager:GetSecretValue'))).toEqual([
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: SECRET_ARN },
    ]);
    expect(actionsOf(statements).some((action) => action.startsWith('bedrock:'))).toBe(false);
    // No other role may read the secret.
    for (const [name, fn] of Object.entries(synthesized.stack.functions)) {
      if (name === 'invoke-model') continue;
      const roleRef = JSON.stringify([{ Ref: logicalIdOf(synthesized.stack, fn.role) }]);
      const policies = Object.values(synthesized.json.Resources).filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties?.Roles) === roleRef);
      expect(JSON.stringify(policies), name).not.toContain('secretsmanager');
    }
  });
});

describe('retention', () => {
  it('the runs table expires working data by TTL (expiresAt), as the value cache does', () => {
    const { stack, json } = synthesize();
    for (const name of ['runs', 'valueCache'] as const) {
      const properties = json.Resources[logicalIdOf(stack, stack.tables.tables[name])]?.Properties;
      expect(properties?.TimeToLiveSpecification, name).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    }
  });

  it('only the steps that count a page (FinishPage; SelectPage for a dead one) and Report may delete from the runs table, and only with BatchWriteItem; no Lambda may scan the value cache', () => {
    const { stack, json } = synthesize();
    const runs = { 'Fn::GetAtt': [logicalIdOf(stack, stack.tables.tables.runs), 'Arn'] };
    const cache = { 'Fn::GetAtt': [logicalIdOf(stack, stack.tables.tables.valueCache), 'Arn'] };
    for (const [name, fn] of Object.entries(stack.functions)) {
      const roleRef = JSON.stringify([{ Ref: logicalIdOf(stack, fn.role) }]);
      const statements = Object.values(json.Resources)
        .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties?.Roles) === roleRef)
        .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }).Statement);
      const on = (table: unknown) => statements.filter((statement) => JSON.stringify(statement.Resource) === JSON.stringify(table)).flatMap((statement) => [statement.Action].flat());
      expect(on(runs).includes('dynamodb:BatchWriteItem'), name).toBe(['select-page', 'finish-page', 'report-run'].includes(name));
      expect(on(runs).includes('dynamodb:DeleteItem'), name).toBe(false);
      expect(on(cache).includes('dynamodb:Scan'), name).toBe(false);
    }
  });
});

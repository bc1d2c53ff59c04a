import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_ID, deploymentParametersFrom, PARAMETER_NAMES } from '#infra/deployment-parameters.ts';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { synthesize, synthesizeAnalytics } from './synth-stack.ts';

const fromContext = (context: Record<string, unknown>) => deploymentParametersFrom((name) => context[name]);

describe('deployment parameters (CDK context)', () => {
  it('has defaults for everything but the optional tables, alarm e-mail and analytics config', () => {
    expect(fromContext({})).toEqual({
      stage: 'dev',
      nearRealTime: true,
      modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
      allowedModelIds: [],
      modelProvider: 'bedrock',
      scheduleExpression: 'cron(0 2 * * ? *)',
      scheduleTimeZone: 'America/Bogota',
      scheduleEnabled: true,
      dailyCostBudgetUSD: 5,
      analyticsScheduleExpression: 'cron(30 23 * * ? *)',
      athenaBytesScannedCutoffGB: 1,
      partitionRetentionDays: 730,
    });
  });

  it('defaults the model to the one the config defaults name', () => {
    expect(DEFAULT_MODEL_ID).toBe(parseConfig({}).model.modelId);
  });

  it('reads `-c name=value` strings: numbers, booleans, and an empty value as unset', () => {
    expect(
      fromContext({
        stage: 'prod',
        leadsTableName: 'CrmLeads',
        nearRealTime: 'false',
        leadsTableStreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/CrmLeads/stream/2025-01-01T00:00:00.000',
        modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
        scheduleExpression: 'cron(30 1 ? * MON-FRI *)',
        scheduleTimeZone: 'Europe/Madrid',
        scheduleEnabled: 'false',
        alarmEmail: 'ops@example.com',
        dailyCostBudgetUSD: '12.5',
        conversationsTableName: 'chatbot-conversations',
        chatTableName: 'bedrock-chat',
        analyticsConfig: '{"tokenizer":"chars/4","filters":{"excludeUserNames":["usuario prueba"]}}',
        analyticsScheduleExpression: 'cron(0 23 ? * MON-FRI *)',
        athenaBytesScannedCutoffGB: '0.5',
        partitionRetentionDays: '365',
      }),
    ).toEqual({
      stage: 'prod',
      leadsTableName: 'CrmLeads',
      nearRealTime: false,
      leadsTableStreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/CrmLeads/stream/2025-01-01T00:00:00.000',
      modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
      allowedModelIds: [],
      modelProvider: 'bedrock',
      scheduleExpression: 'cron(30 1 ? * MON-FRI *)',
      scheduleTimeZone: 'Europe/Madrid',
      scheduleEnabled: false,
      alarmEmail: 'ops@example.com',
      dailyCostBudgetUSD: 12.5,
      conversationsTableName: 'chatbot-conversations',
      chatTableName: 'bedrock-chat',
      analyticsConfig: { tokenizer: 'chars/4', filters: { excludeUserNames: ['usuario prueba'] } },
      analyticsScheduleExpression: 'cron(0 23 ? * MON-FRI *)',
      athenaBytesScannedCutoffGB: 0.5,
      partitionRetentionDays: 365,
    });
    expect(fromContext({ alarmEmail: '', leadsTableName: '' })).not.toHaveProperty('alarmEmail');
    expect(fromContext({ alarmEmail: '', leadsTableName: '' })).not.toHaveProperty('leadsTableName');
  });

  it('takes the analytics config as a JSON object from cdk.json as well', () => {
    expect(fromContext({ analyticsConfig: { exportPrefix: 'conversations/' } }).analyticsConfig).toEqual({ exportPrefix: 'conversations/' });
  });

  it.each([
    [{ stage: 'Prod' }, 'stage'],
    [{ conversationsTableName: 'conv' }, 'chatTableName'],
    [{ chatTableName: 'chat' }, 'chatTableName'],
    [{ conversationsTableName: 'a b', chatTableName: 'chat' }, 'conversationsTableName'],
    [{ analyticsConfig: 'not json' }, 'analyticsConfig'],
    [{ analyticsConfig: '[1]' }, 'analyticsConfig'],
    [{ analyticsConfig: '{"tokenizer":"gpt2"}' }, 'analyticsConfig'],
    [{ analyticsConfig: { unknownKey: true } }, 'analyticsConfig'],
    [{ analyticsScheduleExpression: '30 23 * * *' }, 'analyticsScheduleExpression'],
    [{ athenaBytesScannedCutoffGB: '0.001' }, 'athenaBytesScannedCutoffGB'],
    [{ partitionRetentionDays: '1.5' }, 'partitionRetentionDays'],
    [{ partitionRetentionDays: '0' }, 'partitionRetentionDays'],
    [{ leadsTableName: 'no spaces allowed' }, 'leadsTableName'],
    [{ alarmEmail: 'not-an-address' }, 'alarmEmail'],
    [{ dailyCostBudgetUSD: '0' }, 'dailyCostBudgetUSD'],
    [{ dailyCostBudgetUSD: 'lots' }, 'dailyCostBudgetUSD'],
    [{ scheduleExpression: '0 2 * * *' }, 'scheduleExpression'],
    [{ scheduleEnabled: 'yes' }, 'scheduleEnabled'],
    [{ modelProvider: 'openai' }, 'modelBaseUrl'],
    [{ modelProvider: 'openai', modelBaseUrl: 'http://llm.internal:8000' }, 'modelBaseUrl'],
    [{ modelBaseUrl: 'https://llm.example.com' }, 'modelProvider'],
    [{ modelProvider: 'openai', modelBaseUrl: 'https://llm.example.com', modelApiKeySecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:llm-key' }, 'modelApiKeySecretArn'],
    [{ modelProvider: 'ollama' }, 'modelProvider'],
    [{ modelRegion: 'mars' }, 'modelRegion'],
  ])('rejects %j, naming the parameter', (context, name) => {
    expect(() => fromContext(context)).toThrow(new RegExp(`Invalid normflow deployment parameters: ${name}:`));
  });

  it('names every parameter the README documents', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const deploySection = readme.slice(readme.indexOf('## Deploy to AWS'));
    for (const name of PARAMETER_NAMES) expect(deploySection).toContain(`\`${name}\``);
  });

  it('runs the app entry with tsx from cdk.json', () => {
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { app: string };
    expect(cdkJson.app).toBe('npx tsx infra/app.ts');
  });
});

describe('no account, region or table name in the template', () => {
  it('leaves both stacks environment-agnostic', () => {
    const { stack } = synthesize();
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    expect(synthesizeAnalytics().stack.environment).toBe('aws://unknown-account/unknown-region');
  });

  it('adds the analytics stack only when both chatbot tables are named', () => {
    expect(synthesize().analytics).toBeUndefined();
    expect(synthesizeAnalytics().stack.stackName).toBe('normflow-dev-analytics');
  });

  it.each([
    ['default', {}],
    ['imported leads table', { leadsTableName: 'CrmLeads', alarmEmail: 'ops@example.com' }],
    ['with analytics', { conversationsTableName: 'conv', chatTableName: 'chat' }],
  ])('%s: no 12-digit account id, no region name, table and bucket names left to CloudFormation', (_name, context) => {
    const synthesized = synthesize(context);
    for (const { json } of [synthesized, ...(synthesized.analytics ? [synthesized.analytics] : [])]) {
      const text = JSON.stringify(json);
      expect(text).not.toMatch(/\b\d{12}\b/);
      expect(text).not.toMatch(/\b(us|eu|ap|sa|ca|me|af|il|mx)-(east|west|north|south|central|northeast|southeast|northwest|southwest)-\d\b/);
      for (const resource of Object.values(json.Resources)) {
        if (resource.Type === 'AWS::DynamoDB::Table') expect(resource.Properties).not.toHaveProperty('TableName');
        if (resource.Type === 'AWS::S3::Bucket') expect(resource.Properties).not.toHaveProperty('BucketName');
      }
    }
  });
});

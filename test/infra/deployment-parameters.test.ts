import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_ID, deploymentParametersFrom, PARAMETER_NAMES } from '#infra/deployment-parameters.ts';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { synthesize } from './synth-stack.ts';

const fromContext = (context: Record<string, unknown>) => deploymentParametersFrom((name) => context[name]);

describe('deployment parameters (CDK context)', () => {
  it('has defaults for everything but the optional leads table and alarm e-mail', () => {
    expect(fromContext({})).toEqual({
      stage: 'dev',
      modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
      scheduleExpression: 'cron(0 2 * * ? *)',
      scheduleTimeZone: 'America/Bogota',
      scheduleEnabled: true,
      dailyCostBudgetUSD: 5,
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
        modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
        scheduleExpression: 'cron(30 1 ? * MON-FRI *)',
        scheduleTimeZone: 'Europe/Madrid',
        scheduleEnabled: 'false',
        alarmEmail: 'ops@example.com',
        dailyCostBudgetUSD: '12.5',
      }),
    ).toEqual({
      stage: 'prod',
      leadsTableName: 'CrmLeads',
      modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
      scheduleExpression: 'cron(30 1 ? * MON-FRI *)',
      scheduleTimeZone: 'Europe/Madrid',
      scheduleEnabled: false,
      alarmEmail: 'ops@example.com',
      dailyCostBudgetUSD: 12.5,
    });
    expect(fromContext({ alarmEmail: '', leadsTableName: '' })).not.toHaveProperty('alarmEmail');
    expect(fromContext({ alarmEmail: '', leadsTableName: '' })).not.toHaveProperty('leadsTableName');
  });

  it.each([
    [{ stage: 'Prod' }, 'stage'],
    [{ leadsTableName: 'no spaces allowed' }, 'leadsTableName'],
    [{ alarmEmail: 'not-an-address' }, 'alarmEmail'],
    [{ dailyCostBudgetUSD: '0' }, 'dailyCostBudgetUSD'],
    [{ dailyCostBudgetUSD: 'lots' }, 'dailyCostBudgetUSD'],
    [{ scheduleExpression: '0 2 * * *' }, 'scheduleExpression'],
    [{ scheduleEnabled: 'yes' }, 'scheduleEnabled'],
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
  it('leaves the stack environment-agnostic', () => {
    const { stack } = synthesize();
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
  });

  it.each([
    ['default', {}],
    ['imported leads table', { leadsTableName: 'CrmLeads', alarmEmail: 'ops@example.com' }],
  ])('%s: no 12-digit account id, no region name, table names left to CloudFormation', (_name, context) => {
    const { json } = synthesize(context);
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/\b\d{12}\b/);
    expect(text).not.toMatch(/\b(us|eu|ap|sa|ca|me|af|il|mx)-(east|west|north|south|central|northeast|southeast|northwest|southwest)-\d\b/);
    for (const table of Object.values(json.Resources).filter((resource) => resource.Type === 'AWS::DynamoDB::Table')) {
      expect(table.Properties).not.toHaveProperty('TableName');
    }
  });
});

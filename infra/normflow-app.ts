import { Tags, Validations, type App, type Environment, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AnalyticsStack } from './analytics-stack.ts';
import type { DeploymentParameters } from './deployment-parameters.ts';
import { NormalizationStack } from './normalization-stack.ts';

const appsWithNag = new WeakSet<App>();

export interface NormflowStacks {
  normalization: NormalizationStack;
  /** Present when the context names the chatbot's conversations and chat tables. */
  analytics: AnalyticsStack | undefined;
}

function tag(stack: Stack, stage: string): void {
  Tags.of(stack).add('project', 'normflow');
  Tags.of(stack).add('stage', stage);
}

/**
 * Adds the normflow stacks of a stage to an app: normalization always, analytics when the chatbot's
 * tables are named. cdk-nag's AwsSolutions pack runs as a synthesis validation: an unacknowledged
 * finding fails `cdk synth` and `cdk deploy`.
 */
export function addNormflowStacks(app: App, parameters: DeploymentParameters, env?: Environment): NormflowStacks {
  const normalization = new NormalizationStack(app, `Normflow-${parameters.stage}`, {
    stackName: `normflow-${parameters.stage}`,
    description: `normflow ${parameters.stage}: normalize-leads state machine, its Lambdas, tables, schedule and alarms`,
    parameters,
    ...(env ? { env } : {}),
  });
  tag(normalization, parameters.stage);

  const { conversationsTableName, chatTableName } = parameters;
  let analytics: AnalyticsStack | undefined;
  if (conversationsTableName !== undefined && chatTableName !== undefined) {
    analytics = new AnalyticsStack(app, `NormflowAnalytics-${parameters.stage}`, {
      stackName: `normflow-${parameters.stage}-analytics`,
      description: `normflow ${parameters.stage}: conversation-export and token-costs state machines, bucket, Glue catalog, Athena workgroup, schedule and alarms`,
      parameters: { ...parameters, conversationsTableName, chatTableName },
      // Cross-stack references: the token costs include the normalization runs, and alarms go to the same topic.
      runsTable: normalization.tables.tables.runs,
      alarmTopic: normalization.monitoring.topic,
      ...(env ? { env } : {}),
    });
    tag(analytics, parameters.stage);
  }

  if (!appsWithNag.has(app)) {
    appsWithNag.add(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { normalization, analytics };
}

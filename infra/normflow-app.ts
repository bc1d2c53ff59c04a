import { Tags, Validations, type App, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { DeploymentParameters } from './deployment-parameters.ts';
import { NormalizationStack } from './normalization-stack.ts';

const appsWithNag = new WeakSet<App>();

/**
 * Adds the normflow stack of a stage to an app, with cdk-nag's AwsSolutions pack as a synthesis
 * validation: an unacknowledged finding fails `cdk synth` and `cdk deploy`.
 */
export function addNormflowStack(app: App, parameters: DeploymentParameters, env?: Environment): NormalizationStack {
  const stack = new NormalizationStack(app, `Normflow-${parameters.stage}`, {
    stackName: `normflow-${parameters.stage}`,
    description: `normflow ${parameters.stage}: normalize-leads state machine, its Lambdas, tables, schedule and alarms`,
    parameters,
    ...(env ? { env } : {}),
  });
  Tags.of(stack).add('project', 'normflow');
  Tags.of(stack).add('stage', parameters.stage);
  if (!appsWithNag.has(app)) {
    appsWithNag.add(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return stack;
}

import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { deploymentParametersFrom, type DeploymentParametersInput } from '#infra/deployment-parameters.ts';
import { addNormflowStack } from '#infra/normflow-app.ts';
import type { NormalizationStack } from '#infra/normalization-stack.ts';

export interface SynthesizedStack {
  app: App;
  stack: NormalizationStack;
  template: Template;
  /** The template as plain JSON, for whole-document checks. */
  json: Record<string, unknown> & { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> } & Record<string, unknown>> };
}

const cache = new Map<string, SynthesizedStack>();

/** The context `cdk synth` gets from cdk.json (the recommended feature flags), so tests synthesize the same app. */
export const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

/**
 * The app as `infra/app.ts` builds it (cdk-nag included) from context values, synthesized once per
 * set of values. Bundling is skipped (`aws:cdk:bundling-stacks` = []): only the bundle test runs esbuild.
 */
export function synthesize(context: Partial<Record<keyof DeploymentParametersInput, unknown>> = {}): SynthesizedStack {
  const key = JSON.stringify(context);
  const cached = cache.get(key);
  if (cached) return cached;
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = addNormflowStack(app, deploymentParametersFrom((name) => context[name as keyof DeploymentParametersInput]));
  // Synthesizing the app runs the cdk-nag validation; it throws on an unacknowledged finding.
  const assembly = app.synth();
  const json = assembly.getStackArtifact(stack.artifactId).template as SynthesizedStack['json'];
  const synthesized: SynthesizedStack = { app, stack, template: Template.fromJSON(json), json };
  cache.set(key, synthesized);
  return synthesized;
}

/** Logical id of a construct's CloudFormation resource. */
export function logicalIdOf(stack: NormalizationStack, construct: { node: { defaultChild?: unknown } } | unknown): string {
  const resource = (construct as { node: { defaultChild?: unknown } }).node.defaultChild ?? construct;
  return stack.getLogicalId(resource as Parameters<NormalizationStack['getLogicalId']>[0]);
}

export const getAtt = (logicalId: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attribute] });
export const ref = (logicalId: string) => ({ Ref: logicalId });

import { readFileSync } from 'node:fs';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { AnalyticsStack } from '#infra/analytics-stack.ts';
import { deploymentParametersFrom, type DeploymentParametersInput } from '#infra/deployment-parameters.ts';
import { addNormflowStacks } from '#infra/normflow-app.ts';
import type { NormalizationStack } from '#infra/normalization-stack.ts';

export type TemplateJson = Record<string, unknown> & {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> } & Record<string, unknown>>;
  Outputs?: Record<string, { Value: unknown } & Record<string, unknown>>;
};

export interface SynthesizedTemplate<S extends Stack> {
  stack: S;
  template: Template;
  /** The template as plain JSON, for whole-document checks. */
  json: TemplateJson;
}

export interface SynthesizedStack extends SynthesizedTemplate<NormalizationStack> {
  app: App;
  /** The analytics stack, when the context names the chatbot's tables. */
  analytics: SynthesizedTemplate<AnalyticsStack> | undefined;
}

export type SynthContext = Partial<Record<keyof DeploymentParametersInput, unknown>>;

const cache = new Map<string, SynthesizedStack>();

/** The context `cdk synth` gets from cdk.json (the recommended feature flags), so tests synthesize the same app. */
export const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

/**
 * The app as `infra/app.ts` builds it (cdk-nag included) from context values, synthesized once per
 * set of values. Bundling is skipped (`aws:cdk:bundling-stacks` = []): only the bundle test runs esbuild.
 */
export function synthesize(context: SynthContext = {}): SynthesizedStack {
  const key = JSON.stringify(context);
  const cached = cache.get(key);
  if (cached) return cached;
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stacks = addNormflowStacks(app, deploymentParametersFrom((name) => context[name as keyof DeploymentParametersInput]));
  // Synthesizing the app runs the cdk-nag validation; it throws on an unacknowledged finding.
  const assembly = app.synth();
  const templateOf = <S extends Stack>(stack: S): SynthesizedTemplate<S> => {
    const json = assembly.getStackArtifact(stack.artifactId).template as TemplateJson;
    return { stack, template: Template.fromJSON(json), json };
  };
  const synthesized: SynthesizedStack = {
    app,
    ...templateOf(stacks.normalization),
    analytics: stacks.analytics ? templateOf(stacks.analytics) : undefined,
  };
  cache.set(key, synthesized);
  return synthesized;
}

/** The chatbot tables (and an analytics config) that add the analytics stack to the app. */
export const ANALYTICS_CONTEXT = { conversationsTableName: 'conv', chatTableName: 'chat' } as const;

/** The analytics stack of the app synthesized with the chatbot tables named (plus any other context). */
export function synthesizeAnalytics(context: SynthContext = {}): SynthesizedTemplate<AnalyticsStack> & { app: App; normalization: SynthesizedTemplate<NormalizationStack> } {
  const synthesized = synthesize({ ...ANALYTICS_CONTEXT, ...context });
  if (!synthesized.analytics) throw new Error('the app has no analytics stack');
  return { ...synthesized.analytics, app: synthesized.app, normalization: synthesized };
}

/** Logical id of a construct's CloudFormation resource. */
export function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } } | unknown): string {
  const resource = (construct as { node: { defaultChild?: unknown } }).node.defaultChild ?? construct;
  return stack.getLogicalId(resource as Parameters<Stack['getLogicalId']>[0]);
}

export const getAtt = (logicalId: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attribute] });
export const ref = (logicalId: string) => ({ Ref: logicalId });

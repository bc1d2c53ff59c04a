import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { ANALYTICS_CONTEXT, synthesize } from './synth-stack.ts';

const PREFIX = 'AwsSolutions::';

interface Acknowledgement {
  path: string;
  finding: string;
  reason: string;
}

/** Every acknowledgement recorded in the construct tree. */
function acknowledgementsOf(app: App): Acknowledgement[] {
  const found: Acknowledgement[] = [];
  const visit = (construct: IConstruct) => {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path, finding: id.startsWith(PREFIX) ? id.slice(PREFIX.length) : id, reason });
      }
    }
    construct.node.children.forEach(visit);
  };
  visit(app);
  return found;
}

/** What AwsSolutions finds before any acknowledgement applies: one entry per finding and resource. */
function rawFindings(app: App): Array<{ finding: string; path: string }> {
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({ finding: violation.ruleName, path: resource.constructPath ?? '' })),
  );
}

const covers = (acknowledgement: Acknowledgement, finding: { finding: string; path: string }) =>
  acknowledgement.finding === finding.finding && (finding.path === acknowledgement.path || finding.path.startsWith(`${acknowledgement.path}/`));

const NORMALIZATION_FINDINGS = ['AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-L1', 'AwsSolutions-SQS3'];
/** Beyond the normalization stack's: the crawlers' log encryption and the analytics bucket wildcards. */
const ANALYTICS_FINDINGS = [...NORMALIZATION_FINDINGS, 'AwsSolutions-GL1'].sort();

/** An acknowledged wildcard on the analytics bucket: `IAM5[Resource::<Bucket.Arn>/key*]`. */
const BUCKET_WILDCARD = /^AwsSolutions-IAM5\[Resource::<StorageBucket[0-9A-F]{8}\.Arn>\/[^*]+\*.*\]$/;

describe.each([
  ['default deployment', {}, NORMALIZATION_FINDINGS],
  [
    'imported leads table, inference profile, alarm e-mail',
    { leadsTableName: 'CrmLeads', modelId: 'eu.amazon.nova-lite-v1:0', alarmEmail: 'ops@example.com' },
    NORMALIZATION_FINDINGS,
  ],
  ['with the analytics stack', { ...ANALYTICS_CONTEXT, analyticsConfig: { tokenizer: 'chars/4' } }, ANALYTICS_FINDINGS],
])('cdk-nag AwsSolutions: %s', (_name, context, expectedFindings) => {
  const { app } = synthesize(context);
  const acknowledgements = acknowledgementsOf(app);
  const findings = rawFindings(app);

  it('synthesizes with the pack registered and zero unacknowledged findings', () => {
    // synthesize() ran app.synth() with AwsSolutionsChecks as a validation plugin: it throws on any open finding.
    expect(findings.length).toBeGreaterThan(0);
    const open = findings.filter((finding) => !acknowledgements.some((acknowledgement) => covers(acknowledgement, finding)));
    expect(open).toEqual([]);
  });

  it('has no acknowledgement that no finding needs', () => {
    const unused = acknowledgements.filter((acknowledgement) => !findings.some((finding) => covers(acknowledgement, finding)));
    expect(unused).toEqual([]);
  });

  it('acknowledges only the expected findings, each with a specific reason', () => {
    const byFinding = new Map<string, Set<string>>();
    for (const { finding, reason } of acknowledgements) byFinding.set(finding, (byFinding.get(finding) ?? new Set()).add(reason));
    const scoped = (finding: string) => finding.startsWith('AwsSolutions-IAM5[Resource::arn:') || BUCKET_WILDCARD.test(finding);
    expect([...byFinding.keys()].filter((finding) => !scoped(finding)).sort()).toEqual(expectedFindings);
    for (const { finding, reason, path } of acknowledgements) {
      expect(reason.length, `${finding} at ${path}`).toBeGreaterThanOrEqual(80);
      expect(reason, `${finding} at ${path}`).not.toMatch(/^(n\/?a|todo|suppress|ignore|not needed|false positive)\b/i);
    }
    for (const reason of byFinding.get('AwsSolutions-IAM5[Resource::*]') ?? []) expect(reason).toMatch(/no resource-level permissions/);
  });

  it('acknowledges Resource "*" only on roles, and the runtime finding only on the Node.js 22 functions', () => {
    for (const { finding, path } of acknowledgements) {
      if (finding.startsWith('AwsSolutions-IAM5')) expect(path).toMatch(/\/Role$|\/NormalizeLeads\/DistributedMapPolicy$/);
      if (finding === 'AwsSolutions-L1') expect(path).toMatch(/\/Function$/);
      if (finding === 'AwsSolutions-SQS3') expect(path).toMatch(/\/ScheduleDeadLetterQueue$|\/NearRealTime\/DeadLetterQueue$/);
      if (finding === 'AwsSolutions-GL1') expect(path).toMatch(/Crawler\/Crawler$/);
    }
  });
});

describe('cdk-nag: an inference profile adds one scoped acknowledgement', () => {
  it('acknowledges the any-region foundation model only on the InvokeModel role, naming the profile', () => {
    const acknowledgements = acknowledgementsOf(synthesize({ leadsTableName: 'CrmLeads', modelId: 'eu.amazon.nova-lite-v1:0', alarmEmail: 'ops@example.com' }).app);
    expect(acknowledgements.filter(({ finding }) => finding.startsWith('AwsSolutions-IAM5[Resource::arn:') && !finding.includes(':states:'))).toEqual([
      {
        path: 'Normflow-dev/InvokeModel/Role',
        finding: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/amazon.nova-lite-v1:0]',
        reason: expect.stringContaining('eu.amazon.nova-lite-v1:0') as unknown as string,
      },
    ]);
  });
});

describe('cdk-nag: the Distributed Map', () => {
  it('acknowledges only the child executions of this state machine and its Map Run', () => {
    const acknowledgements = acknowledgementsOf(synthesize().app).filter(({ finding }) => finding.includes(':states:'));
    expect(acknowledgements.map(({ path, finding }) => [path, finding])).toEqual([
      ['Normflow-dev/NormalizeLeads/DistributedMapPolicy', 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:normflow-dev-normalize-leads:*]'],
      ['Normflow-dev/NormalizeLeads/DistributedMapPolicy', 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:normflow-dev-normalize-leads/Segments:*]'],
    ]);
  });
});

describe('cdk-nag: the analytics stack acknowledges exactly these scoped findings', () => {
  const acknowledgements = acknowledgementsOf(synthesize(ANALYTICS_CONTEXT).app).filter(({ path }) => path.startsWith('NormflowAnalytics-dev/'));
  const scopedOn = (pathSuffix: string) =>
    acknowledgements
      .filter(({ path, finding }) => path === `NormflowAnalytics-dev/${pathSuffix}` && finding.startsWith('AwsSolutions-IAM5') && finding !== 'AwsSolutions-IAM5[Resource::*]')
      .map(({ finding }) => finding.replace(/<StorageBucket[0-9A-F]{8}\.Arn>/, '<Bucket>'))
      .sort();

  it('each analytics Lambda: only the dt= file patterns it reads or writes', () => {
    expect(scopedOn('ExportConversations/Role')).toEqual([
      'AwsSolutions-IAM5[Resource::<Bucket>/conversations/exchanges/dt=*/exchanges.csv]',
      'AwsSolutions-IAM5[Resource::<Bucket>/conversations/users/dt=*/users.csv]',
    ]);
    expect(scopedOn('ConvertToParquet/Role')).toEqual([
      'AwsSolutions-IAM5[Resource::<Bucket>/conversations/exchanges/dt=*/exchanges.csv]',
      'AwsSolutions-IAM5[Resource::<Bucket>/conversations/parquet/exchanges/dt=*/part-0.parquet]',
      'AwsSolutions-IAM5[Resource::<Bucket>/conversations/parquet/users/dt=*/part-0.parquet]',
      'AwsSolutions-IAM5[Resource::<Bucket>/conversations/users/dt=*/users.csv]',
    ]);
    expect(scopedOn('AggregateTokenCosts/Role')).toEqual([
      'AwsSolutions-IAM5[Resource::<Bucket>/token-costs/by_model_day/dt=*/part-0.parquet]',
      'AwsSolutions-IAM5[Resource::<Bucket>/token-costs/by_user_day/dt=*/part-0.parquet]',
      'AwsSolutions-IAM5[Resource::<Bucket>/token-costs/conversations/dt=*/part-0.parquet]',
      'AwsSolutions-IAM5[Resource::<Bucket>/token-costs/normalization/dt=*/part-0.parquet]',
    ]);
  });

  it('each crawler: its tables\' prefixes and the crawler log group', () => {
    const logs = 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws-glue/crawlers:*]';
    expect(scopedOn('Catalog/ConversationsCrawler/Role')).toEqual([
      'AwsSolutions-IAM5[Resource::<Bucket>/conversations/parquet/exchanges/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/conversations/parquet/users/*]',
      logs,
    ]);
    expect(scopedOn('Catalog/TokenCostsCrawler/Role')).toEqual([
      'AwsSolutions-IAM5[Resource::<Bucket>/token-costs/by_model_day/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/token-costs/by_user_day/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/token-costs/conversations/*]',
      'AwsSolutions-IAM5[Resource::<Bucket>/token-costs/normalization/*]',
      logs,
    ]);
  });

  it('the parent state machine: the executions of its two children only', () => {
    expect(scopedOn('Analytics/Role')).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:normflow-dev-conversation-export:*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:normflow-dev-token-costs:*]',
    ]);
  });

  it('nothing else: no other resource carries a scoped acknowledgement', () => {
    const roles = new Set(
      acknowledgements
        .filter(({ finding }) => finding.startsWith('AwsSolutions-IAM5') && finding !== 'AwsSolutions-IAM5[Resource::*]')
        .map(({ path }) => path.slice('NormflowAnalytics-dev/'.length)),
    );
    expect([...roles].sort()).toEqual(['AggregateTokenCosts/Role', 'Analytics/Role', 'Catalog/ConversationsCrawler/Role', 'Catalog/TokenCostsCrawler/Role', 'ConvertToParquet/Role', 'ExportConversations/Role']);
  });
});

import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { synthesize } from './synth-stack.ts';

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

describe.each([
  ['default deployment', {}],
  ['imported leads table, inference profile, alarm e-mail', { leadsTableName: 'CrmLeads', modelId: 'eu.amazon.nova-lite-v1:0', alarmEmail: 'ops@example.com' }],
])('cdk-nag AwsSolutions: %s', (_name, context) => {
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
    expect([...byFinding.keys()].filter((finding) => !finding.startsWith('AwsSolutions-IAM5[Resource::arn:')).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
      'AwsSolutions-SQS3',
    ]);
    for (const { finding, reason, path } of acknowledgements) {
      expect(reason.length, `${finding} at ${path}`).toBeGreaterThanOrEqual(80);
      expect(reason, `${finding} at ${path}`).not.toMatch(/^(n\/?a|todo|suppress|ignore|not needed|false positive)\b/i);
    }
    for (const reason of byFinding.get('AwsSolutions-IAM5[Resource::*]') ?? []) expect(reason).toMatch(/no resource-level permissions/);
  });

  it('acknowledges Resource "*" only on roles, and the runtime finding only on the Node.js 22 functions', () => {
    for (const { finding, path } of acknowledgements) {
      if (finding.startsWith('AwsSolutions-IAM5')) expect(path).toMatch(/\/Role$/);
      if (finding === 'AwsSolutions-L1') expect(path).toMatch(/\/Function$/);
      if (finding === 'AwsSolutions-SQS3') expect(path).toMatch(/\/ScheduleDeadLetterQueue$/);
    }
  });
});

describe('cdk-nag: an inference profile adds one scoped acknowledgement', () => {
  it('acknowledges the any-region foundation model only on the InvokeModel role, naming the profile', () => {
    const acknowledgements = acknowledgementsOf(synthesize({ leadsTableName: 'CrmLeads', modelId: 'eu.amazon.nova-lite-v1:0', alarmEmail: 'ops@example.com' }).app);
    expect(acknowledgements.filter(({ finding }) => finding.startsWith('AwsSolutions-IAM5[Resource::arn:'))).toEqual([
      {
        path: 'Normflow-dev/InvokeModel/Role',
        finding: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/amazon.nova-lite-v1:0]',
        reason: expect.stringContaining('eu.amazon.nova-lite-v1:0') as unknown as string,
      },
    ]);
  });
});

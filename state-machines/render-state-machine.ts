import { readFileSync } from 'node:fs';

/** State machines defined in this folder, one ASL file each. */
export const STATE_MACHINES = {
  'normalize-leads': {
    file: 'normalize-leads.asl.json',
    /** Placeholder → the Lambda behind each Task state (the local runner maps the same names to handlers). */
    functions: {
      LoadConfigFunctionArn: 'load-config',
      PlanRunFunctionArn: 'plan-run',
      SelectPageFunctionArn: 'select-page',
      FinishPageFunctionArn: 'finish-page',
      InvokeModelFunctionArn: 'invoke-model',
      PostProcessFunctionArn: 'post-process',
      WriteResultsFunctionArn: 'write-results',
      SplitBatchFunctionArn: 'split-batch',
      RecordLeadFailureFunctionArn: 'record-lead-failure',
      RecordBatchFailureFunctionArn: 'record-batch-failure',
      ReportFunctionArn: 'report-run',
      ReleaseRunLockFunctionArn: 'release-run-lock',
    },
  },
  'conversation-export': {
    file: 'conversation-export.asl.json',
    functions: {
      ExportConversationsFunctionArn: 'export-conversations',
      ConvertToParquetFunctionArn: 'convert-to-parquet',
    },
  },
  'token-costs': {
    file: 'token-costs.asl.json',
    functions: {
      AggregateTokenCostsFunctionArn: 'aggregate-token-costs',
    },
  },
  analytics: {
    file: 'analytics.asl.json',
    functions: {},
  },
} as const;

export type StateMachineName = keyof typeof STATE_MACHINES;
export type StateMachineDefinition = Record<string, unknown> & { States: Record<string, unknown>; TimeoutSeconds?: number };

const PLACEHOLDER = /\$\{([A-Za-z0-9]+)\}/g;

/**
 * Reads an ASL file and substitutes its `${Placeholder}` strings. The one renderer behind both the
 * CDK stack (inline definition) and the local runner; an unknown or missing placeholder throws.
 */
export function renderStateMachine(name: StateMachineName, substitutions: Readonly<Record<string, string>>): StateMachineDefinition {
  const text = readFileSync(new URL(STATE_MACHINES[name].file, import.meta.url), 'utf8');
  const missing = new Set<string>();
  const rendered = text.replace(PLACEHOLDER, (match, key: string) => {
    const value = substitutions[key];
    if (value === undefined) {
      missing.add(key);
      return match;
    }
    return JSON.stringify(value).slice(1, -1);
  });
  if (missing.size > 0) throw new Error(`state machine ${name}: no value for ${[...missing].join(', ')}`);
  return JSON.parse(rendered) as StateMachineDefinition;
}

/** Placeholders an ASL file uses, for checks that every one is wired. */
export function placeholdersOf(name: StateMachineName): string[] {
  const text = readFileSync(new URL(STATE_MACHINES[name].file, import.meta.url), 'utf8');
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''))].sort();
}

// Imported rather than read from disk, so the CLI bundle carries them and finds them wherever it lives.
import analyticsAsl from './analytics.asl.json' with { type: 'json' };
import conversationExportAsl from './conversation-export.asl.json' with { type: 'json' };
import normalizeLeadsAsl from './normalize-leads.asl.json' with { type: 'json' };
import tokenCostsAsl from './token-costs.asl.json' with { type: 'json' };

/** State machines defined in this folder, one ASL file each. */
export const STATE_MACHINES = {
  'normalize-leads': {
    asl: normalizeLeadsAsl as unknown,
    /** Placeholder → the Lambda behind each Task state (the local runner maps the same names to handlers). */
    functions: {
      LoadConfigFunctionArn: 'load-config',
      PlanRunFunctionArn: 'plan-run',
      SelectPageFunctionArn: 'select-page',
      FinishPageFunctionArn: 'finish-page',
      InvokeModelFunctionArn: 'invoke-model',
      WriteResultsFunctionArn: 'write-results',
      SplitBatchFunctionArn: 'split-batch',
      RecordLeadFailureFunctionArn: 'record-lead-failure',
      RecordBatchFailureFunctionArn: 'record-batch-failure',
      ReportFunctionArn: 'report-run',
      ReleaseRunLockFunctionArn: 'release-run-lock',
    },
  },
  'conversation-export': {
    asl: conversationExportAsl as unknown,
    functions: {
      ExportConversationsFunctionArn: 'export-conversations',
      ConvertToParquetFunctionArn: 'convert-to-parquet',
    },
  },
  'token-costs': {
    asl: tokenCostsAsl as unknown,
    functions: {
      AggregateTokenCostsFunctionArn: 'aggregate-token-costs',
    },
  },
  analytics: {
    asl: analyticsAsl as unknown,
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
  const text = JSON.stringify(STATE_MACHINES[name].asl);
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
  const text = JSON.stringify(STATE_MACHINES[name].asl);
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''))].sort();
}

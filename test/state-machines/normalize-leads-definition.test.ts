import { describe, expect, it } from 'vitest';
import { placeholdersOf, renderStateMachine, STATE_MACHINES } from '#state-machines/render-state-machine.ts';
import { taskFunctions } from '#infra/local/local-runtime.ts';

const arns = Object.fromEntries(
  Object.keys(STATE_MACHINES['normalize-leads'].functions).map((placeholder) => [placeholder, `arn:aws:lambda:us-east-1:000000000000:function:normflow-local-${placeholder}`]),
);
const definition = renderStateMachine('normalize-leads', arns);
type State = Record<string, unknown> & { Retry?: Array<Record<string, unknown>>; Catch?: Array<Record<string, unknown>> };
const states = definition.States as Record<string, State>;
const segmentStates = (states.ProcessSegments as { ItemProcessor: { States: Record<string, State> } }).ItemProcessor.States;
const iterator = (segmentStates.NormalizeBatches as { ItemProcessor: { States: Record<string, State> } }).ItemProcessor.States;

describe('normalize-leads definition', () => {
  it('wires every placeholder to a Lambda and runs each Task through the lambda:invoke integration', () => {
    expect(placeholdersOf('normalize-leads')).toEqual(Object.keys(STATE_MACHINES['normalize-leads'].functions).sort());
    expect(() => renderStateMachine('normalize-leads', {})).toThrow(/no value for/);
    const tasks = taskFunctions(
      renderStateMachine(
        'normalize-leads',
        Object.fromEntries(Object.entries(STATE_MACHINES['normalize-leads'].functions).map(([placeholder, fn]) => [placeholder, `arn:aws:lambda:us-east-1:000000000000:function:normflow-local-${fn}`])),
      ),
    );
    expect(Object.fromEntries(tasks)).toEqual({
      LoadConfig: 'load-config',
      PlanRun: 'plan-run',
      SelectPage: 'select-page',
      FinishPage: 'finish-page',
      InvokeModel: 'invoke-model',
      WriteResults: 'write-results',
      SplitBatch: 'split-batch',
      LeadInvokeModel: 'invoke-model',
      LeadWriteResults: 'write-results',
      RecordLeadFailure: 'record-lead-failure',
      RecordBatchFailure: 'record-batch-failure',
      Report: 'report-run',
      ReleaseLockAfterFailure: 'release-run-lock',
    });
  });

  it('uses JSONPath only: no JSONata, Assign or ItemReader', () => {
    const text = JSON.stringify(definition);
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(text).not.toMatch(/"Assign"|"ItemReader"|\{%/);
  });

  it('orders the model retry policy: non-retryable first, throttling with capped full-jitter backoff, then States.ALL', () => {
    const retry = iterator.InvokeModel?.Retry ?? [];
    expect(retry[0]).toEqual({ ErrorEquals: ['Model.Fatal'], MaxAttempts: 0 });
    expect(retry[1]).toMatchObject({ ErrorEquals: ['Model.Throttled'], BackoffRate: 2, JitterStrategy: 'FULL' });
    expect(retry[1]?.MaxDelaySeconds).toBeGreaterThan(0);
    expect(retry[2]).toMatchObject({ ErrorEquals: ['Model.Timeout', 'Model.InvalidResponse'], MaxAttempts: 1 });
    expect(retry[3]?.ErrorEquals).toContain('Lambda.TooManyRequestsException');
    expect(retry.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
  });

  it('catches a model that stayed unavailable into the rules fallback, and anything else into a split of the batch, lead by lead', () => {
    const catches = iterator.InvokeModel?.Catch ?? [];
    expect(catches[0]).toMatchObject({ ErrorEquals: ['Model.Throttled', 'Model.Timeout', 'Model.InvalidResponse'], Next: 'WriteResults' });
    expect(catches.at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'SplitBatch' });
    expect(iterator.WriteResults?.Catch?.at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'SplitBatch' });
    expect(iterator.SplitBatch).toMatchObject({ Next: 'RetryLeadByLead', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'RecordBatchFailure' }] });
    expect(iterator.RetryLeadByLead).toMatchObject({ Type: 'Map', ItemsPath: '$.split.positions', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'RecordBatchFailure' }] });
  });

  it('retries each lead of a split batch through the same Lambdas and policies, failures going to RecordLeadFailure', () => {
    const leadStates = (iterator.RetryLeadByLead as { ItemProcessor: { States: Record<string, State> } }).ItemProcessor.States;
    for (const name of ['InvokeModel', 'WriteResults']) {
      expect(leadStates[`Lead${name}`]?.Retry, name).toEqual(iterator[name]?.Retry);
      expect(leadStates[`Lead${name}`]?.Parameters).toEqual(iterator[name]?.Parameters);
      expect(leadStates[`Lead${name}`]?.Catch?.at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'RecordLeadFailure' });
    }
    expect(leadStates.LeadInvokeModel?.Catch?.[0]).toMatchObject({ Next: 'LeadWriteResults' });
  });

  it('retries Lambda service errors on every Task as AWS recommends', () => {
    const everyTask = [...Object.values(states), ...Object.values(segmentStates), ...Object.values(iterator)].filter((state) => state.Type === 'Task');
    for (const state of everyTask) {
      const lambdaRetry = state.Retry?.find((retrier) => (retrier.ErrorEquals as string[]).includes('Lambda.ServiceException'));
      expect(lambdaRetry).toMatchObject({ BackoffRate: 2, JitterStrategy: 'FULL' });
    }
  });

  it('gives the lock back when PlanRun, the segments Map or Report fails, then fails with the original error', () => {
    for (const name of ['PlanRun', 'ProcessSegments', 'Report']) {
      expect(states[name]?.Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'ReleaseLockAfterFailure' }]);
    }
    expect(states.ReleaseLockAfterFailure).toMatchObject({ Type: 'Task', ResultPath: null, Next: 'RunFailed' });
    expect(states.RunFailed).toEqual({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' });
  });

  it('ends every batch path with an empty output, so the Map result grows by a few bytes per batch', () => {
    const leadStates = (iterator.RetryLeadByLead as { ItemProcessor: { States: Record<string, State> } }).ItemProcessor.States;
    const ends = [...Object.entries(iterator), ...Object.entries(leadStates)].filter(([, state]) => state.End === true);
    expect(ends.map(([name]) => name).sort()).toEqual(['LeadWriteResults', 'RecordBatchFailure', 'RecordLeadFailure', 'RetryLeadByLead', 'WriteResults']);
    for (const [, state] of ends) expect(state.OutputPath).toBeNull();
  });

  it('runs each segment as a child execution (Distributed Map, items from the state input), its outputs empty', () => {
    expect(states.ProcessSegments).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.plan.segments',
      MaxConcurrencyPath: '$.config.maxParallelSegments',
      ToleratedFailurePercentage: 100,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'SelectPage' },
      ResultPath: null,
    });
    expect(segmentStates.SegmentDone).toEqual(expect.objectContaining({ Type: 'Pass', Result: {}, End: true }));
    expect(states.MoreToDo).toMatchObject({ Choices: [{ Variable: '$.reportResult.value.continue', Next: 'NextRound' }] });
    expect(states.NextRound).toMatchObject({ Next: 'ProcessSegments' });
  });

  it('passes batch numbers, not records, into the batches Map, with MaxConcurrency from the config', () => {
    expect(segmentStates.NormalizeBatches).toMatchObject({ ItemsPath: '$.page.batches', MaxConcurrencyPath: '$.config.maxConcurrency', ResultPath: null, Next: 'FinishPage' });
    expect(segmentStates.MorePages).toMatchObject({ Choices: [{ Variable: '$.finished.more', Next: 'NextPage' }], Default: 'SegmentDone' });
  });
});

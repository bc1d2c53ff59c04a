import { describe, expect, it } from 'vitest';
import { runDefinitionLocally } from '#infra/local/local-runtime.ts';
import { AWS_EXECUTION_LIMITS } from '#infra/local/history-accounting.ts';
import type { StateMachineDefinition } from '#state-machines/render-state-machine.ts';

const LAMBDA = 'arn:aws:states:::lambda:invoke';
const task = (next: Record<string, unknown> = { End: true }, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: LAMBDA,
  Parameters: { FunctionName: 'fn', 'Payload.$': '$' },
  ...extra,
  ...next,
});
const machine = (startAt: string, states: Record<string, unknown>): StateMachineDefinition => ({ StartAt: startAt, States: states });
const answer = (value: unknown = { ok: true }) => async () => ({ Payload: value });

describe('history events counted as AWS counts them', () => {
  it('Pass then Succeed: 6 events (ExecutionStarted, PassStateEntered/Exited, SucceedStateEntered/Exited, ExecutionSucceeded)', async () => {
    const result = await runDefinitionLocally(machine('P', { P: { Type: 'Pass', Next: 'S' }, S: { Type: 'Succeed' } }), { input: {} });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.executions).toEqual([expect.objectContaining({ historyEvents: 6, stateTransitions: 2, status: 'SUCCEEDED' })]);
  });

  it('one Lambda Task: 2 + 5 = 7 (TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited)', async () => {
    const result = await runDefinitionLocally(machine('T', { T: task() }), { input: {}, integrations: { T: answer() } });
    expect(result.executions[0]).toMatchObject({ historyEvents: 7, stateTransitions: 1 });
  });

  it('a Task failing twice, retried, then succeeding: 7 + 2 × (TaskFailed, TaskScheduled, TaskStarted) = 13', async () => {
    let calls = 0;
    const flaky = async () => {
      calls += 1;
      if (calls <= 2) throw Object.assign(new Error('busy'), { name: 'Busy' });
      return { Payload: {} };
    };
    const definition = machine('T', { T: task({ End: true }, { Retry: [{ ErrorEquals: ['Busy'], MaxAttempts: 2 }] }) });
    const result = await runDefinitionLocally(definition, { input: {}, integrations: { T: flaky }, retryIntervalOverrides: { T: 0 } });
    expect(result.status).toBe('SUCCEEDED');
    // Billed transitions: the state entered once, retried twice.
    expect(result.executions[0]).toMatchObject({ historyEvents: 13, stateTransitions: 3 });
  });

  it('a Task failing into its Catch, then a Pass: 2 + 5 (Entered, Scheduled, Started, Failed, Exited) + 2 = 9', async () => {
    const failing = async () => {
      throw Object.assign(new Error('no'), { name: 'Broken' });
    };
    const definition = machine('T', {
      T: task({ Next: 'Recover' }, { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Recover' }] }),
      Recover: { Type: 'Pass', End: true },
    });
    const result = await runDefinitionLocally(definition, { input: {}, integrations: { T: failing } });
    expect(result.executions[0]).toMatchObject({ historyEvents: 9, status: 'SUCCEEDED' });
  });

  it('an uncaught failure: ExecutionStarted, TaskStateEntered, TaskScheduled, TaskStarted, TaskFailed, ExecutionFailed = 6', async () => {
    const failing = async () => {
      throw Object.assign(new Error('no'), { name: 'Broken' });
    };
    const result = await runDefinitionLocally(machine('T', { T: task() }), { input: {}, integrations: { T: failing } });
    expect(result).toMatchObject({ status: 'FAILED', error: { name: 'Broken' } });
    expect(result.executions[0]).toMatchObject({ historyEvents: 6, status: 'FAILED' });
  });

  it('Choice and Fail: ChoiceStateEntered/Exited, FailStateEntered, then ExecutionFailed: 5', async () => {
    const definition = machine('C', {
      C: { Type: 'Choice', Choices: [{ Variable: '$.go', BooleanEquals: true, Next: 'F' }], Default: 'F' },
      F: { Type: 'Fail', Error: 'Nope', Cause: 'said no' },
    });
    const result = await runDefinitionLocally(definition, { input: { go: true } });
    expect(result).toMatchObject({ status: 'FAILED', error: { name: 'Nope' } });
    expect(result.executions[0]?.historyEvents).toBe(5);
  });

  it('inline Map over 3 items of one Task each: 2 + 4 + 3 × (2 + 5) = 27, one history', async () => {
    const definition = machine('M', {
      M: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Each', States: { Each: task() } }, End: true },
    });
    const result = await runDefinitionLocally(definition, { input: { items: [1, 2, 3] }, integrations: { Each: answer() } });
    expect(result.executions).toHaveLength(1);
    expect(result.executions[0]).toMatchObject({ historyEvents: 27, stateTransitions: 4 });
  });

  it('Distributed Map over 3 items: the parent writes 2 + 6 whatever the items; each item is a child execution of 2 + 5', async () => {
    const definition = machine('M', {
      M: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemSelector: { 'value.$': '$$.Map.Item.Value' },
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'Each', States: { Each: task() } },
        ResultPath: null,
        End: true,
      },
    });
    const seen = new Set<string>();
    const result = await runDefinitionLocally(definition, {
      input: { items: [1, 2, 3] },
      integrations: { Each: answer() },
      onEvent: (_event, executionId) => seen.add(executionId),
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.executions.map((execution) => execution.historyEvents)).toEqual([8, 7, 7, 7]);
    expect(new Set(result.executions.map((execution) => execution.executionId)).size).toBe(4);
    expect(seen.size).toBe(4);
    const bigger = await runDefinitionLocally(definition, { input: { items: Array.from({ length: 30 }, (_, index) => index) }, integrations: { Each: answer() } });
    expect(bigger.executions[0]?.historyEvents).toBe(8);
    expect(bigger.executions).toHaveLength(31);
  });

  it('a .sync child execution Task writes TaskSubmitted too: 2 + 6 = 8', async () => {
    const definition = machine('Child', {
      Child: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync:2', Parameters: { StateMachineArn: 'arn:child', 'Input.$': '$' }, End: true },
    });
    const result = await runDefinitionLocally(definition, { input: {}, integrations: { Child: async () => ({ Status: 'SUCCEEDED', Output: {} }) } });
    expect(result.executions[0]?.historyEvents).toBe(8);
  });
});

describe('AWS quotas enforced locally', () => {
  it('fails an execution whose history would pass 25,000 events with States.Runtime, as AWS does (event 25,000 = ExecutionFailed)', async () => {
    // Each round: Pass (2) + Choice (2) = 4 events; 7,000 rounds would need 28,000.
    const definition = machine('Count', {
      Count: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, Next: 'Again' },
      Again: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThan: 7_000, Next: 'Count' }], Default: 'Done' },
      Done: { Type: 'Succeed' },
    });
    const result = await runDefinitionLocally(definition, { input: { n: 0 } });
    expect(result).toMatchObject({ status: 'FAILED', error: { name: 'States.Runtime' } });
    expect(result.error?.message).toContain('25000');
    expect(result.executions[0]).toMatchObject({ historyEvents: AWS_EXECUTION_LIMITS.historyEvents, status: 'FAILED' });

    // 6,000 rounds: 1 + 6,000 × 4 + Succeed 2 + 1 = 24,004 events: under the quota, it succeeds.
    const fits = await runDefinitionLocally(
      machine('Count', { ...definition.States, Again: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThan: 6_000, Next: 'Count' }], Default: 'Done' } }),
      { input: { n: 0 } },
    );
    expect(fits.status).toBe('SUCCEEDED');
    expect(fits.executions[0]?.historyEvents).toBe(24_004);
  }, 60_000);

  it('fails with States.DataLimitExceeded when a Task result passes 256 KB, even under a Catch of States.ALL', async () => {
    const definition = machine('T', {
      T: task({ Next: 'After' }, { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'After' }] }),
      After: { Type: 'Pass', End: true },
    });
    const result = await runDefinitionLocally(definition, { input: {}, integrations: { T: answer({ data: 'x'.repeat(300_000) }) } });
    expect(result).toMatchObject({ status: 'FAILED', error: { name: 'States.DataLimitExceeded' } });
    expect(result.error?.message).toMatch(/T result is \d+ bytes/);
  });

  it('counts a Map result as the array of its iterations\' outputs', async () => {
    const definition = machine('M', {
      M: { Type: 'Map', ItemsPath: '$.items', ResultPath: null, ItemProcessor: { StartAt: 'Each', States: { Each: task() } }, End: true },
    });
    const items = Array.from({ length: 40 }, (_, index) => ({ index }));
    const big = await runDefinitionLocally(definition, { input: { items }, integrations: { Each: answer({ data: 'y'.repeat(8_000) }) } });
    expect(big).toMatchObject({ status: 'FAILED', error: { name: 'States.DataLimitExceeded' } });
    expect(big.error?.message).toContain('M result');
    const small = await runDefinitionLocally(definition, { input: { items }, integrations: { Each: answer({ data: 'y'.repeat(100) }) } });
    expect(small.status).toBe('SUCCEEDED');
  });
});

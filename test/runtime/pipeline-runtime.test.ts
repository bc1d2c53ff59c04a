import { describe, expect, it } from 'vitest';
import { getPipelineRuntime } from '#shared/runtime/pipeline-runtime.ts';

const ENV = {
  LEADS_TABLE: 'leads',
  CONFIG_TABLE: 'config',
  RUNS_TABLE: 'runs',
  VALUE_CACHE_TABLE: 'cache',
  DECISIONS_TABLE: 'decisions',
  AWS_REGION: 'us-east-1',
  NORMFLOW_PROVIDER: 'rules',
};

describe('the runtime every Lambda invocation asks for', () => {
  it('is built once while the environment stays the same, and again when a variable it reads changes', () => {
    const first = getPipelineRuntime({ ...ENV });
    expect(getPipelineRuntime({ ...ENV, UNRELATED: 'x' })).toBe(first);
    const otherTable = getPipelineRuntime({ ...ENV, LEADS_TABLE: 'other-leads' });
    expect(otherTable).not.toBe(first);
    expect(getPipelineRuntime({ ...ENV, LEADS_TABLE: 'other-leads', NORMFLOW_PROVIDER: 'openai', NORMFLOW_MODEL_BASE_URL: 'http://localhost:11434' })).not.toBe(otherTable);
  });

  it('refuses a bad environment at every invocation, not only the first', () => {
    const bad = { ...ENV, NORMFLOW_DUE_SELECTION: 'sometimes' };
    expect(() => getPipelineRuntime(bad)).toThrow(/NORMFLOW_DUE_SELECTION/);
    expect(() => getPipelineRuntime(bad)).toThrow(/NORMFLOW_DUE_SELECTION/);
    expect(() => getPipelineRuntime({ ...ENV, NORMFLOW_PROVIDER: 'carrier-pigeon' })).toThrow(/NORMFLOW_PROVIDER/);
  });
});

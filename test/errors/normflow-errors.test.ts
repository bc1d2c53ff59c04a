import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from '#shared/errors/normflow-errors.ts';
import { ERROR_NAMES, MODEL_ERROR_NAMES, ModelError, NormflowError, STATE_MACHINE_ERROR_NAMES } from '#shared/errors/normflow-errors.ts';

const STATE_MACHINES = new URL('../../state-machines/', import.meta.url);
const PIPELINE_DOC = new URL('../../docs/pipeline.md', import.meta.url);

/** Error names AWS defines: the interpreter's own, and those of the services the ASL calls. */
const AWS_ERROR_PREFIXES = ['States.', 'Lambda.', 'Glue.', 'StepFunctions.'];

/** Every error name an ASL definition matches or raises: Retry/Catch `ErrorEquals`, a Fail state's `Error`. */
function aslErrorNames(definition: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(definition)) {
    for (const element of definition) aslErrorNames(element, found);
  } else if (typeof definition === 'object' && definition !== null) {
    const state = definition as Record<string, unknown>;
    if (Array.isArray(state.ErrorEquals)) for (const name of state.ErrorEquals) found.add(String(name));
    if (state.Type === 'Fail' && typeof state.Error === 'string') found.add(state.Error);
    for (const value of Object.values(state)) aslErrorNames(value, found);
  }
  return found;
}

const aslFiles = readdirSync(STATE_MACHINES).filter((name) => name.endsWith('.asl.json'));
const namesByFile = new Map(aslFiles.map((file) => [file, aslErrorNames(JSON.parse(readFileSync(new URL(file, STATE_MACHINES), 'utf8')))]));
const oursInAsl = new Set([...namesByFile.values()].flatMap((names) => [...names].filter((name) => !AWS_ERROR_PREFIXES.some((prefix) => name.startsWith(prefix)))));

/** The name each exported NormflowError class gives its errors (ModelError: each of its names). */
function thrownNames(): string[] {
  const names: string[] = MODEL_ERROR_NAMES.map((name) => new ModelError(name, 'x').name);
  for (const exported of Object.values(errors)) {
    if (typeof exported !== 'function' || !(exported.prototype instanceof NormflowError) || exported === ModelError) continue;
    names.push(new (exported as new (message: string) => NormflowError)('x').name);
  }
  return names;
}

describe('error names: the contract with the state machines and the CLI', () => {
  it('reads every ASL file, and finds our names and AWS names in them (so an empty difference means something)', () => {
    expect(aslFiles).toEqual(expect.arrayContaining(['normalize-leads.asl.json', 'analytics.asl.json', 'conversation-export.asl.json', 'token-costs.asl.json']));
    expect(oursInAsl).toContain('Model.Throttled');
    expect(oursInAsl).toContain('Analytics.ChildFailed');
    expect(namesByFile.get('normalize-leads.asl.json')).toContain('States.ALL');
  });

  it('every name of ours an ASL file matches or raises is defined in the errors module', () => {
    expect([...oursInAsl].filter((name) => !(ERROR_NAMES as readonly string[]).includes(name))).toEqual([]);
  });

  it('every defined name is raised by a class of the module, or by a state machine itself', () => {
    const raised = new Set([...thrownNames(), ...STATE_MACHINE_ERROR_NAMES]);
    expect(ERROR_NAMES.filter((name) => !raised.has(name))).toEqual([]);
    expect(thrownNames().filter((name) => !(ERROR_NAMES as readonly string[]).includes(name))).toEqual([]);
    for (const name of STATE_MACHINE_ERROR_NAMES) expect(oursInAsl).toContain(name);
  });

  it('each class names its errors differently from every other class', () => {
    const names = thrownNames();
    expect(new Set(names).size).toBe(names.length);
  });

  it('every defined name is documented in docs/pipeline.md', () => {
    const doc = readFileSync(PIPELINE_DOC, 'utf8');
    expect(ERROR_NAMES.filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });

  it('an error keeps its name, message, cause and class through the base class', () => {
    const cause = new Error('inner');
    const error = new ModelError('Model.Timeout', 'too slow', { cause, usage: { inputTokens: 3, outputTokens: 0 } });
    expect(error).toBeInstanceOf(NormflowError);
    expect(error).toBeInstanceOf(Error);
    expect({ name: error.name, message: error.message, cause: error.cause, usage: error.usage, sent: error.sent }).toEqual({
      name: 'Model.Timeout',
      message: 'too slow',
      cause,
      usage: { inputTokens: 3, outputTokens: 0 },
      sent: true,
    });
    const config = new errors.ConfigError('model.temperature: expected number');
    expect(`${config.name}: ${config.message}`).toBe('Config.Invalid: model.temperature: expected number');
  });
});

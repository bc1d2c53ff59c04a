import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';

/** The interpreter's execution events (its type is not exported by name). */
export type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;
import { renderStateMachine, STATE_MACHINES, type StateMachineDefinition, type StateMachineName } from '#state-machines/render-state-machine.ts';
import { TABLE_DEFINITIONS } from '#shared/stores/table-definitions.ts';
import type { ErrorName } from '#shared/errors/normflow-errors.ts';
import { activeLocalExecutions } from '#shared/runtime/pipeline-runtime.ts';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from './embedded-dynamodb.ts';
import { ensureTables } from './local-tables.ts';
import {
  AWS_EXECUTION_LIMITS,
  ExecutionHistory,
  stateKinds,
  type ExecutionLimits,
  type ExecutionReport,
  type InterpreterEvent,
  type LimitViolation,
} from './history-accounting.ts';
import { invokeWithinTimeout, lambdaTimeoutMs, localFunctionArn, localFunctionNameOf } from './lambda-invocation.ts';
import { loadLocalHandler } from './local-handlers.ts';

export const DEFAULT_DATA_DIR = '.normflow';

/** The ARN a local state machine goes by (child executions are started by it). */
export const localStateMachineArn = (name: StateMachineName): string => `arn:aws:states:local:000000000000:stateMachine:normflow-${name}`;

/** Physical table names of the local runtime, by the env var each Lambda reads. */
export function localTableNames(): Record<string, string> {
  return Object.fromEntries(Object.values(TABLE_DEFINITIONS).map((table) => [table.tableNameEnvVar, `normflow-${table.logicalName}`]));
}

export interface LocalEnvironment {
  db: EmbeddedDynamoDb;
  dataDir: string | undefined;
  /** The same environment variable names the deployed Lambdas get. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts the embedded DynamoDB-compatible store (on disk under `dataDir`, in memory without one)
 * and creates the pipeline's tables from the same definitions the CDK stack uses.
 */
export async function startLocalEnvironment(options: { dataDir?: string; inMemory?: boolean } = {}): Promise<LocalEnvironment> {
  const dataDir = options.inMemory ? undefined : resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = await startEmbeddedDynamoDb(dataDir ? { dataDir: resolve(dataDir, 'tables'), migrateFrom: resolve(dataDir, 'dynamodb') } : {});
  if (db.migratedItems !== undefined) {
    process.stderr.write(`normflow: copied the local store of an earlier version (${db.migratedItems} items) from ${resolve(dataDir as string, 'dynamodb')} to ${resolve(dataDir as string, 'tables')}; the old directory is no longer used and may be deleted\n`);
  }
  const tableNames = localTableNames();
  await ensureTables(
    db.client,
    Object.fromEntries(Object.values(TABLE_DEFINITIONS).map((table) => [table.logicalName, tableNames[table.tableNameEnvVar]])),
  );
  const env = {
    ...tableNames,
    DYNAMODB_ENDPOINT: db.endpoint,
    AWS_REGION: 'local',
    NORMFLOW_PROVIDER: 'rules',
    NORMFLOW_LOCK_CHECKS_PROCESS: 'true',
    POWERTOOLS_SERVICE_NAME: 'normflow',
    POWERTOOLS_METRICS_NAMESPACE: 'normflow',
  };
  return { db, dataDir, env, close: () => db.close() };
}

/** Every Task state of a definition (Map iterators included) with the function its FunctionName names. */
export function taskFunctions(definition: StateMachineDefinition): Map<string, string> {
  const tasks = new Map<string, string>();
  const visit = (states: Record<string, unknown>) => {
    for (const [name, state] of Object.entries(states)) {
      const typed = state as { Type?: string; Parameters?: { FunctionName?: string }; ItemProcessor?: { States: Record<string, unknown> }; Iterator?: { States: Record<string, unknown> } };
      const functionName = typed.Type === 'Task' && typed.Parameters?.FunctionName ? localFunctionNameOf(typed.Parameters.FunctionName) : undefined;
      if (functionName !== undefined) {
        tasks.set(name, functionName);
      }
      const nested = typed.ItemProcessor ?? typed.Iterator;
      if (nested) visit(nested.States);
    }
  };
  visit(definition.States);
  return tasks;
}

export interface LocalRunOptions {
  /** The execution input: an object, or an array as an EventBridge Pipe delivers a batch. */
  input: Record<string, unknown> | unknown[];
  /** Values of the definition's other placeholders (crawler names, child state machine ARNs). */
  resources?: Record<string, string>;
  /** Local stand-ins for Tasks that call other AWS services (Glue, Step Functions), by state name. */
  integrations?: Record<string, (input: unknown) => Promise<unknown>>;
  /** Wait states' pauses in ms (locally a crawler is never waited for long). */
  waitTimeOverrides?: Record<string, number>;
  /** Retry waits per Task state, in ms (tests use 0); real backoff when absent. */
  retryIntervalOverrides?: Record<string, number | number[]>;
  /** Replace a Task's handler (tests inject crashes); receives and returns the Lambda payload. It runs within the function's timeout. */
  handlerOverrides?: Record<string, (payload: unknown, next: (payload: unknown) => Promise<unknown>) => Promise<unknown>>;
  /** Timeouts in ms by function name, lower than deployed (tests); each invocation is held to its function's. */
  lambdaTimeoutsMs?: Readonly<Record<string, number>>;
  /** Every interpreter event, of this execution and of its child executions, with the execution it belongs to. */
  onEvent?: (event: EventLog, executionId: string) => void;
  executionName?: string;
  /** The quotas AWS holds every execution to (tests may lower them); AWS's own by default. */
  limits?: ExecutionLimits;
}

export interface LocalRunResult {
  executionId: string;
  status: 'SUCCEEDED' | 'FAILED';
  output: unknown;
  error?: { name: string; message: string };
  /** Each execution as AWS would record it: this one first, then its child executions (Distributed Map items). */
  executions: ExecutionReport[];
}

/** A state machine's definition as the local runtime runs it: its Lambda ARNs in the local account. */
export function localStateMachineDefinition(name: StateMachineName, resources: Record<string, string> = {}): StateMachineDefinition {
  const functionNames = Object.fromEntries(
    Object.entries(STATE_MACHINES[name].functions as Record<string, string>).map(([placeholder, fn]) => [placeholder, localFunctionArn(fn)]),
  );
  return renderStateMachine(name, { ...functionNames, ...resources });
}

/**
 * Runs a state machine's ASL file with the local interpreter, every Task mapped to the very
 * handler module that is deployed. The caller sets the environment (`startLocalEnvironment().env`).
 */
export async function runStateMachineLocally(name: StateMachineName, options: LocalRunOptions): Promise<LocalRunResult> {
  const definition = localStateMachineDefinition(name, options.resources);
  const lambdas: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [stateName, fn] of taskFunctions(definition)) {
    const handler = await loadLocalHandler(fn);
    const override = options.handlerOverrides?.[stateName];
    const timeoutMs = lambdaTimeoutMs(fn, options.lambdaTimeoutsMs);
    lambdas[stateName] = async (input: unknown) => {
      // An optimized `lambda:invoke` integration passes {FunctionName, Payload} and gets {Payload} back.
      const payload = (input as { Payload: unknown }).Payload;
      const answer = await invokeWithinTimeout(fn, timeoutMs, (context) =>
        override ? override(payload, (passed) => handler(passed, context)) : handler(payload, context),
      );
      return { Payload: answer };
    };
  }
  return runDefinitionLocally(definition, {
    ...options,
    integrations: { ...options.integrations, ...lambdas },
    stateMachineArn: localStateMachineArn(name),
    // Checked once by the test suite (definitions-valid.test.ts), as AWS checks a definition when it is
    // deployed, not at each execution: a run does not compile the ASL schema again.
    definitionValidated: true,
  });
}

/**
 * A Task without TimeoutSeconds has no time limit of its own on AWS (99,999,999 s); the interpreter
 * gives it 60 s, which a loaded machine can reach. Locally it gets the longest a Node timer allows.
 */
const NODE_TIMER_MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

function withAwsTaskTimeouts(states: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(states).map(([name, raw]) => {
      const state = raw as Record<string, unknown> & { Type?: string; ItemProcessor?: StateMachineDefinition; Iterator?: StateMachineDefinition };
      if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
        return [name, { ...state, TimeoutSeconds: NODE_TIMER_MAX_SECONDS }];
      }
      const processorKey = state.ItemProcessor ? 'ItemProcessor' : state.Iterator ? 'Iterator' : undefined;
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processorKey && processor) return [name, { ...state, [processorKey]: { ...processor, States: withAwsTaskTimeouts(processor.States) } }];
      return [name, state];
    }),
  );
}

/** Where a Distributed Map's item processor runs locally: one Task that starts a child execution. */
interface ChildProcessor {
  mapName: string;
  definition: StateMachineDefinition;
  toleratedFailurePercentage: number;
}

const childExecutionState = (mapName: string) => `${mapName}ChildExecution`;

/**
 * The interpreter runs every Map inline. On AWS each item of a Distributed Map is a child workflow
 * execution with a history of its own, so locally the item processor is swapped for one Task whose
 * handler runs the processor as a separate execution (counted on its own), and the Map's own
 * events are those AWS writes for a Map Run.
 */
function splitDistributedMaps(definition: StateMachineDefinition): { definition: StateMachineDefinition; processors: Map<string, ChildProcessor> } {
  const processors = new Map<string, ChildProcessor>();
  const rewrite = (states: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(states).map(([name, raw]) => {
        const state = raw as Record<string, unknown> & { Type?: string; ItemProcessor?: StateMachineDefinition; Iterator?: StateMachineDefinition; ToleratedFailurePercentage?: number };
        const processor = state.ItemProcessor ?? state.Iterator;
        if (state.Type !== 'Map' || !processor) return [name, state];
        if ((processor.ProcessorConfig as { Mode?: string } | undefined)?.Mode !== 'DISTRIBUTED') {
          return [name, { ...state, [state.ItemProcessor ? 'ItemProcessor' : 'Iterator']: { ...processor, States: rewrite(processor.States) } }];
        }
        const { ProcessorConfig: _processorConfig, ...childDefinition } = processor;
        const child = splitDistributedMaps(childDefinition as StateMachineDefinition);
        for (const [key, value] of child.processors) processors.set(key, value);
        processors.set(childExecutionState(name), { mapName: name, definition: child.definition, toleratedFailurePercentage: state.ToleratedFailurePercentage ?? 0 });
        const { ToleratedFailurePercentage: _tolerance, Label: _label, ...mapWithoutDistributedFields } = state;
        return [
          name,
          {
            ...mapWithoutDistributedFields,
            ItemProcessor: {
              ProcessorConfig: { Mode: 'INLINE' },
              StartAt: childExecutionState(name),
              States: {
                [childExecutionState(name)]: { Type: 'Task', Resource: 'arn:aws:states:::local:child-execution', TimeoutSeconds: NODE_TIMER_MAX_SECONDS, End: true },
              },
            },
          },
        ];
      }),
    );
  return { definition: { ...definition, States: rewrite(definition.States) }, processors };
}

/**
 * The interpreter's events reach the history accounting through an async iterator, a turn of the
 * event loop behind the states they describe: a Task waits for them, so that when its own
 * scheduling crossed a limit it is not started (AWS would not start it), however fast the Tasks
 * before it answered.
 */
const eventsRecorded = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What stops a local execution at once: a limit AWS enforces, or this machine's own (the local store out of memory). */
type ExecutionStop = LimitViolation | { name: typeof LOCAL_STORE_FULL; message: string };

const LOCAL_STORE_FULL = 'Local.StoreFull' satisfies ErrorName;

/**
 * The local store out of memory is the machine's limit, not the task's: no retry, split or catch
 * can help, so the whole run stops with it (as `seed` does), and `normflow run` says it in one line.
 */
function machineLimitOf(error: unknown): ExecutionStop | undefined {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return name === LOCAL_STORE_FULL ? { name: LOCAL_STORE_FULL, message: String(message) } : undefined;
}

type RunDefinitionOptions = Omit<LocalRunOptions, 'resources' | 'handlerOverrides'> & {
  stateMachineArn?: string;
  /** The definition is one the test suite validates: skip the interpreter's validation (an ASL schema compiled per run). */
  definitionValidated?: boolean;
};

/**
 * Runs an ASL definition with the local interpreter, Tasks answered by `integrations` (by state
 * name), while counting every execution's history as AWS does: an execution that AWS would fail
 * (25,000 history events, a payload over 256 KB) is stopped and fails with AWS's error name.
 */
/** The definition as the local runtime runs it: AWS's Task time-outs made explicit, Distributed Maps split into child executions. */
function runnableForm(definition: StateMachineDefinition) {
  return splitDistributedMaps({ ...definition, States: withAwsTaskTimeouts(definition.States) });
}

/** Throws what the interpreter's validator finds wrong in a definition as it would run (ASL schema, transitions, paths). */
function validateRunnable(runnable: StateMachineDefinition): void {
  new StateMachine(runnable as never, { validationOptions: { checkArn: false } });
}

export function validateLocalDefinition(definition: StateMachineDefinition): void {
  validateRunnable(runnableForm(definition).definition);
}

export async function runDefinitionLocally(definition: StateMachineDefinition, options: RunDefinitionOptions): Promise<LocalRunResult> {
  const { definition: runnable, processors } = runnableForm(definition);
  if (options.definitionValidated !== true) validateRunnable(runnable);
  const kinds = stateKinds(definition, new Set(processors.keys()));
  const limits = options.limits ?? AWS_EXECUTION_LIMITS;
  const reports: ExecutionReport[] = [];

  const executeOne = async (
    machineDefinition: StateMachineDefinition,
    input: unknown,
    executionId: string,
    executionName: string,
  ): Promise<LocalRunResult> => {
    const history = new ExecutionHistory(executionId, kinds, limits);
    let violation: ExecutionStop | undefined;
    let abort: () => void = () => undefined;
    const stopOn = (found: ExecutionStop | undefined) => {
      if (found && !violation) {
        violation = found;
        abort();
      }
    };
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    // Calls still running when the execution is stopped finish before it is reported over.
    const inFlight = new Set<Promise<unknown>>();
    for (const [stateName, handler] of Object.entries(options.integrations ?? {})) {
      handlers[stateName] = async (taskInput) => {
        await eventsRecorded();
        // Stopped: the interpreter may still start a queued Map item's first state; AWS would not.
        if (violation) throw Object.assign(new Error('the execution was stopped'), { name: violation.name });
        const call = handler(taskInput).then(
          (result) => {
            stopOn(history.recordTaskResult(stateName, result));
            return result;
          },
          (error: unknown) => {
            stopOn(machineLimitOf(error));
            throw error;
          },
        );
        inFlight.add(call);
        void call.finally(() => inFlight.delete(call)).catch(() => undefined);
        return call;
      };
    }
    for (const [stateName, processor] of processors) {
      handlers[stateName] = async (itemInput) => {
        await eventsRecorded();
        if (violation) throw Object.assign(new Error('the execution was stopped'), { name: violation.name });
        const child = await executeOne(processor.definition, itemInput, `${executionId}/${processor.mapName}:${randomUUID()}`, randomUUID());
        if (child.status === 'SUCCEEDED') return child.output;
        stopOn(machineLimitOf(child.error));
        // ToleratedFailurePercentage 100: the Map Run succeeds whatever its children do (the parent reads their records);
        // any lower tolerance is taken as none: the first failed child fails the Map Run.
        if (processor.toleratedFailurePercentage >= 100) return {};
        throw Object.assign(new Error(`child execution failed: ${child.error?.name}: ${child.error?.message}`), { name: 'States.ExceedToleratedFailureThreshold' });
      };
    }

    const machine = new StateMachine(machineDefinition as never, { validationOptions: { noValidate: true } });
    const execution = machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        ...(options.retryIntervalOverrides ? { retryIntervalOverrides: options.retryIntervalOverrides } : {}),
        ...(options.waitTimeOverrides ? { waitTimeOverrides: options.waitTimeOverrides } : {}),
      },
      context: { Execution: { Id: executionId, Name: executionName } } as never,
    });
    abort = execution.abort;
    const events = (async () => {
      for await (const event of execution.eventLogs) {
        stopOn(history.record(event as InterpreterEvent));
        options.onEvent?.(event, executionId);
      }
    })();
    try {
      const output = await execution.result;
      await events;
      if (violation) return { executionId, status: 'FAILED', output: null, error: violation, executions: [] };
      return { executionId, status: 'SUCCEEDED', output, executions: [] };
    } catch (error) {
      await events.catch(() => undefined);
      await Promise.allSettled([...inFlight]);
      if (violation) return { executionId, status: 'FAILED', output: null, error: violation, executions: [] };
      const cause = (error as { cause?: { name?: string; message?: string } }).cause;
      return {
        executionId,
        status: 'FAILED',
        output: null,
        error: { name: cause?.name ?? (error as Error).name, message: cause?.message ?? (error as Error).message },
        executions: [],
      };
    } finally {
      if (executionId === topExecutionId) reports.unshift(history.report());
      else reports.push(history.report());
    }
  };

  const executionName = options.executionName ?? `local-${new Date().toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
  const topExecutionId = `${(options.stateMachineArn ?? 'arn:aws:states:local:000000000000:stateMachine:normflow-local').replace(':stateMachine:', ':execution:')}:${executionName}`;
  activeLocalExecutions.add(topExecutionId);
  try {
    const result = await executeOne(runnable, options.input, topExecutionId, executionName);
    return { ...result, executions: reports };
  } finally {
    activeLocalExecutions.delete(topExecutionId);
  }
}

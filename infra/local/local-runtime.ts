import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Context } from 'aws-lambda';

/** The interpreter's execution events (its type is not exported by name). */
export type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;
import { renderStateMachine, STATE_MACHINES, type StateMachineDefinition, type StateMachineName } from '#state-machines/render-state-machine.ts';
import { TABLE_DEFINITIONS } from '#shared/stores/table-definitions.ts';
import { activeLocalExecutions } from '#shared/runtime/pipeline-runtime.ts';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from './embedded-dynamodb.ts';
import { ensureTables } from './local-tables.ts';
import { loadLocalHandler } from './local-handlers.ts';

export const DEFAULT_DATA_DIR = '.normflow';
const LOCAL_ACCOUNT_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:normflow-local-';

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
  const db = await startEmbeddedDynamoDb(dataDir ? { dataDir: resolve(dataDir, 'dynamodb') } : {});
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
      if (typed.Type === 'Task' && typed.Parameters?.FunctionName?.startsWith(LOCAL_ACCOUNT_ARN)) {
        tasks.set(name, typed.Parameters.FunctionName.slice(LOCAL_ACCOUNT_ARN.length));
      }
      const nested = typed.ItemProcessor ?? typed.Iterator;
      if (nested) visit(nested.States);
    }
  };
  visit(definition.States);
  return tasks;
}

function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `normflow-local-${functionName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `${LOCAL_ACCOUNT_ARN}${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/normflow-local-${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface LocalRunOptions {
  input: Record<string, unknown>;
  /** Values of the definition's other placeholders (crawler names, child state machine ARNs). */
  resources?: Record<string, string>;
  /** Local stand-ins for Tasks that call other AWS services (Glue, Step Functions), by state name. */
  integrations?: Record<string, (input: unknown) => Promise<unknown>>;
  /** Wait states' pauses in ms (locally a crawler is never waited for long). */
  waitTimeOverrides?: Record<string, number>;
  /** Retry waits per Task state, in ms (tests use 0); real backoff when absent. */
  retryIntervalOverrides?: Record<string, number | number[]>;
  /** Replace a Task's handler (tests inject crashes); receives and returns the Lambda payload. */
  handlerOverrides?: Record<string, (payload: unknown, next: (payload: unknown) => Promise<unknown>) => Promise<unknown>>;
  onEvent?: (event: EventLog) => void;
  executionName?: string;
}

export interface LocalRunResult {
  executionId: string;
  status: 'SUCCEEDED' | 'FAILED';
  output: unknown;
  error?: { name: string; message: string };
}

/**
 * Runs a state machine's ASL file with the local interpreter, every Task mapped to the very
 * handler module that is deployed. The caller sets the environment (`startLocalEnvironment().env`).
 */
export async function runStateMachineLocally(name: StateMachineName, options: LocalRunOptions): Promise<LocalRunResult> {
  const functionNames = Object.fromEntries(
    Object.entries(STATE_MACHINES[name].functions as Record<string, string>).map(([placeholder, fn]) => [placeholder, `${LOCAL_ACCOUNT_ARN}${fn}`]),
  );
  const definition = renderStateMachine(name, { ...functionNames, ...options.resources });
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = { ...options.integrations };
  for (const [stateName, fn] of taskFunctions(definition)) {
    const handler = await loadLocalHandler(fn);
    const invoke = (payload: unknown) => handler(payload, lambdaContext(fn));
    const override = options.handlerOverrides?.[stateName];
    handlers[stateName] = async (input: unknown) => {
      // An optimized `lambda:invoke` integration passes {FunctionName, Payload} and gets {Payload} back.
      const payload = (input as { Payload: unknown }).Payload;
      return { Payload: await (override ? override(payload, invoke) : invoke(payload)) };
    };
  }

  const executionName = options.executionName ?? `local-${new Date().toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
  const executionId = `${localStateMachineArn(name).replace(':stateMachine:', ':execution:')}:${executionName}`;
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  activeLocalExecutions.add(executionId);
  try {
    const execution = machine.run(options.input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        ...(options.retryIntervalOverrides ? { retryIntervalOverrides: options.retryIntervalOverrides } : {}),
        ...(options.waitTimeOverrides ? { waitTimeOverrides: options.waitTimeOverrides } : {}),
      },
      context: { Execution: { Id: executionId, Name: executionName } } as never,
    });
    const events = options.onEvent
      ? (async () => {
          for await (const event of execution.eventLogs) options.onEvent?.(event);
        })()
      : Promise.resolve();
    try {
      const output = await execution.result;
      await events;
      return { executionId, status: 'SUCCEEDED', output };
    } catch (error) {
      await events.catch(() => undefined);
      const cause = (error as { cause?: { name?: string; message?: string } }).cause;
      return {
        executionId,
        status: 'FAILED',
        output: null,
        error: { name: cause?.name ?? (error as Error).name, message: cause?.message ?? (error as Error).message },
      };
    }
  } finally {
    activeLocalExecutions.delete(executionId);
  }
}

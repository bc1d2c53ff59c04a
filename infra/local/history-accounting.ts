import type { StateMachineDefinition } from '#state-machines/render-state-machine.ts';

/**
 * AWS Step Functions counts an execution's history in events and checks every payload; the local
 * interpreter does neither. This module turns the interpreter's event log into the events AWS would
 * have written, per execution, and says when AWS would have failed the execution.
 *
 * Events AWS writes (Standard workflows; GetExecutionHistory event types):
 * - execution: ExecutionStarted + ExecutionSucceeded | ExecutionFailed | ExecutionAborted | ExecutionTimedOut → 2
 * - Task (lambda:invoke and other request-response integrations): TaskStateEntered, TaskScheduled,
 *   TaskStarted, TaskSucceeded, TaskStateExited → 5; a `.sync` integration adds TaskSubmitted → 6;
 *   each failed attempt writes TaskFailed, each retry TaskScheduled + TaskStarted (+ TaskSubmitted);
 *   a caught failure exits without TaskSucceeded (Entered, Scheduled, Started, Failed, Exited → 5)
 * - Pass, Choice, Wait, Succeed: <Type>StateEntered + <Type>StateExited → 2; Fail: FailStateEntered → 1
 * - inline Map: MapStateEntered, MapStateStarted, MapStateSucceeded, MapStateExited → 4, plus
 *   MapIterationStarted + MapIterationSucceeded (or Failed) → 2 per iteration, plus the states run
 *   inside each iteration, all in the same history
 * - Distributed Map: the four Map events plus MapRunStarted + MapRunSucceeded → 6, whatever the
 *   number of items: each item runs as a child workflow execution with a history of its own
 * - Parallel: ParallelStateEntered, ParallelStateStarted, ParallelStateSucceeded, ParallelStateExited → 4
 *
 * Quotas (Step Functions service quotas, "Avoid reaching the history quota"): 25,000 events per
 * execution history, hard — when an execution has 24,999 events and the next one is not
 * ExecutionSucceeded, AWS writes ExecutionFailed as event 25,000; 256 KB (262,144 bytes of UTF-8)
 * per execution input, state input or output and task result, else `States.DataLimitExceeded`, a
 * terminal error `States.ALL` does not catch.
 *
 * AWS gives the history failure no error name of its own; locally it is `States.Runtime`
 * ("an execution failed due to some exception that it couldn't process"), with the count in the cause.
 */

export const AWS_EXECUTION_LIMITS = {
  historyEvents: 25_000,
  payloadBytes: 262_144,
} as const;

export const HISTORY_LIMIT_ERROR = 'States.Runtime';
export const PAYLOAD_LIMIT_ERROR = 'States.DataLimitExceeded';

export type ExecutionLimits = { historyEvents: number; payloadBytes: number };

/** How AWS records a state, from its definition. */
export type StateKind = 'task' | 'sync-task' | 'inline-map' | 'distributed-map' | 'parallel' | 'fail' | 'simple' | 'not-recorded';

/** The interpreter's event shape, as far as the accounting reads it. */
export interface InterpreterEvent {
  type: string;
  state?: { name: string; input?: unknown; output?: unknown };
  parentState?: { name: string };
  input?: unknown;
  output?: unknown;
}

export interface LimitViolation {
  name: typeof HISTORY_LIMIT_ERROR | typeof PAYLOAD_LIMIT_ERROR;
  message: string;
}

export interface ExecutionReport {
  executionId: string;
  /** The events AWS would have written to this execution's history. */
  historyEvents: number;
  /** Billed state transitions: every state entered, every retry. */
  stateTransitions: number;
  /** Largest execution input, state input or output, task result or Map result, in bytes. */
  maxPayloadBytes: number;
  largestPayload: string;
  status: 'SUCCEEDED' | 'FAILED' | 'RUNNING';
}

type StateDefinition = { Type?: string; Resource?: string; ItemProcessor?: { ProcessorConfig?: { Mode?: string }; States: Record<string, unknown> }; Iterator?: { States: Record<string, unknown> }; Branches?: Array<{ States: Record<string, unknown> }> };

/** Every state of a definition (Map processors and Parallel branches included) by name; ASL names are unique per state machine. */
export function stateKinds(definition: Pick<StateMachineDefinition, 'States'>, notRecorded: ReadonlySet<string> = new Set()): Map<string, StateKind> {
  const kinds = new Map<string, StateKind>();
  const visit = (states: Record<string, unknown>) => {
    for (const [name, raw] of Object.entries(states)) {
      const state = raw as StateDefinition;
      kinds.set(name, notRecorded.has(name) ? 'not-recorded' : kindOf(state));
      const nested = state.ItemProcessor ?? state.Iterator;
      if (nested) visit(nested.States);
      for (const branch of state.Branches ?? []) visit(branch.States);
    }
  };
  visit(definition.States);
  for (const name of notRecorded) kinds.set(name, 'not-recorded');
  return kinds;
}

function kindOf(state: StateDefinition): StateKind {
  switch (state.Type) {
    case 'Task':
      return /\.sync(:\d+)?$/.test(state.Resource ?? '') ? 'sync-task' : 'task';
    case 'Map':
      return state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED' ? 'distributed-map' : 'inline-map';
    case 'Parallel':
      return 'parallel';
    case 'Fail':
      return 'fail';
    default:
      return 'simple';
  }
}

/** AWS events per interpreter event, by state kind (see the table above). */
const EVENTS_BY_KIND: Record<StateKind, Partial<Record<string, number>>> = {
  task: { StateEntered: 3, StateRetried: 2, StateFailed: 1, StateCaught: -1, StateExited: 2 },
  'sync-task': { StateEntered: 4, StateRetried: 3, StateFailed: 1, StateCaught: -1, StateExited: 2 },
  'inline-map': { StateEntered: 2, StateFailed: 1, StateCaught: -1, StateExited: 2 },
  'distributed-map': { StateEntered: 3, StateFailed: 2, StateCaught: -2, StateExited: 3 },
  parallel: { StateEntered: 2, StateFailed: 1, StateCaught: -1, StateExited: 2 },
  fail: { StateEntered: 1 },
  simple: { StateEntered: 1, StateExited: 1 },
  'not-recorded': {},
};

const byteSize = (value: unknown): number => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8'));

/**
 * One execution's history as AWS would write it, fed the interpreter's events one by one.
 * `record` returns the violation AWS would have failed the execution with, once.
 */
export class ExecutionHistory {
  private events = 0;
  private transitions = 0;
  private maxBytes = 0;
  private largest = '';
  private status: ExecutionReport['status'] = 'RUNNING';
  private violation: LimitViolation | undefined;
  /** Bytes of each open Map's result array so far (nested open instances of one Map add up: an upper bound). */
  private readonly mapResults = new Map<string, { open: number; bytes: number; items: number }>();

  readonly executionId: string;
  private readonly kinds: ReadonlyMap<string, StateKind>;
  private readonly limits: ExecutionLimits;

  constructor(executionId: string, kinds: ReadonlyMap<string, StateKind>, limits: ExecutionLimits = AWS_EXECUTION_LIMITS) {
    this.executionId = executionId;
    this.kinds = kinds;
    this.limits = limits;
  }

  record(event: InterpreterEvent): LimitViolation | undefined {
    // AWS stops the execution at the violation; the interpreter may run on a little before it is stopped.
    if (this.violation) return this.violation;
    switch (event.type) {
      case 'ExecutionStarted':
        this.add(1);
        this.checkPayload(event.input, 'execution input');
        break;
      case 'ExecutionSucceeded':
        this.status = 'SUCCEEDED';
        this.events += 1;
        this.checkPayload(event.output, 'execution output');
        break;
      case 'ExecutionFailed':
      case 'ExecutionAborted':
      case 'ExecutionTimeout':
        this.status = 'FAILED';
        this.events = Math.min(this.events + 1, this.limits.historyEvents);
        break;
      case 'MapIterationStarted':
        if (this.kindOf(event.parentState?.name) === 'inline-map') this.add(1);
        break;
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        if (this.kindOf(event.parentState?.name) === 'inline-map') this.add(1);
        const result = this.mapResults.get(event.parentState?.name ?? '');
        if (result) {
          result.bytes += byteSize(event.output ?? null);
          result.items += 1;
          this.checkPayload(null, `${event.parentState?.name} result`, result.bytes + result.items + 1);
        }
        break;
      }
      default:
        this.recordStateEvent(event);
    }
    return this.violation;
  }

  /** A Task's raw result (before ResultSelector), as the integration returned it. */
  recordTaskResult(stateName: string, result: unknown): LimitViolation | undefined {
    this.checkPayload(result, `${stateName} result`);
    return this.violation;
  }

  report(): ExecutionReport {
    return {
      executionId: this.executionId,
      // A violation ends the history with ExecutionFailed, the last event AWS writes.
      historyEvents: this.violation ? Math.min(this.events + 1, this.limits.historyEvents) : this.events,
      stateTransitions: this.transitions,
      maxPayloadBytes: this.maxBytes,
      largestPayload: this.largest,
      status: this.violation ? 'FAILED' : this.status,
    };
  }

  private recordStateEvent(event: InterpreterEvent): void {
    const name = event.state?.name;
    if (!name) return;
    const kind = this.kindOf(name);
    this.add(EVENTS_BY_KIND[kind][event.type] ?? 0);
    if (kind === 'not-recorded') return;
    if (event.type === 'StateEntered' || event.type === 'StateRetried') this.transitions += 1;
    if (event.type === 'StateEntered') {
      this.checkPayload(event.state?.input, `${name} input`);
      if (kind === 'inline-map' || kind === 'distributed-map') {
        const open = this.mapResults.get(name);
        this.mapResults.set(name, open ? { ...open, open: open.open + 1 } : { open: 1, bytes: 0, items: 0 });
      }
    }
    if (event.type === 'StateExited') {
      this.checkPayload(event.state?.output, `${name} output`);
      this.closeMap(name);
    }
    if (event.type === 'StateFailed') this.closeMap(name);
  }

  private closeMap(name: string): void {
    const open = this.mapResults.get(name);
    if (!open) return;
    if (open.open <= 1) this.mapResults.delete(name);
    else this.mapResults.set(name, { ...open, open: open.open - 1 });
  }

  private kindOf(name: string | undefined): StateKind {
    return (name && this.kinds.get(name)) || 'simple';
  }

  /** Adds events that are not the last one: at the quota, the next event can only be ExecutionFailed. */
  private add(count: number): void {
    this.events += count;
    if (this.events > this.limits.historyEvents - 1 && !this.violation) {
      this.violation = {
        name: HISTORY_LIMIT_ERROR,
        message: `The execution reached the maximum execution history size of ${this.limits.historyEvents} events (Step Functions quota).`,
      };
    }
  }

  private checkPayload(value: unknown, where: string, knownBytes?: number): void {
    const bytes = knownBytes ?? byteSize(value);
    if (bytes > this.maxBytes) {
      this.maxBytes = bytes;
      this.largest = where;
    }
    if (bytes > this.limits.payloadBytes && !this.violation) {
      this.violation = {
        name: PAYLOAD_LIMIT_ERROR,
        message: `${where} is ${bytes} bytes, over the ${this.limits.payloadBytes}-byte payload quota.`,
      };
    }
  }
}

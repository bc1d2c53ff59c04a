import { Session, type Profiler } from 'node:inspector/promises';

/**
 * Where a process spends its CPU, by stage: V8's sampling profiler over a section of the run, each
 * sample's time given to the stage of the code it was in (built-ins such as JSON.parse or a hash
 * count for the code that called them). Stages are told apart by module path.
 */

/** Module paths (matched in order) and the stage their code belongs to. */
const STAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/infra\/local\/dynamodb-engine\//, 'embedded store (engine, journal)'],
  [/shared\/stores\/in-process-endpoints\.ts/, 'in-process transport'],
  [/node_modules\/(@smithy|@aws-sdk|@aws-crypto|fast-xml-parser|tslib)\//, 'AWS SDK (serialization, middleware)'],
  [/node_modules\/(aws-local-stepfunctions|jsonpath-plus|p-limit|yocto-queue|asl-validator|ajv|lodash)/, 'state machine interpreter'],
  [/infra\/local\//, 'local runtime (history accounting, child executions)'],
  [/node_modules\/(@middy|@aws-lambda-powertools|zod)\//, 'Lambda plumbing (middy, Powertools, zod)'],
  [/shared\/(rules|engine|eval|config|model|data)\//, 'rules and engine'],
  [/shared\/stores\//, 'stores (item building, conditions)'],
  [/(shared\/(pipeline|runtime)|functions)\//, 'pipeline steps and handlers'],
  [/shared\/io\/|cli\//, 'file reading and writing'],
  [/node_modules\/tsx\//, 'module loading (tsx compiling TypeScript)'],
  [/bench\/cpu-stages\.ts/, 'the profiler itself'],
];

const OWN_NAMES: ReadonlyMap<string, string> = new Map([
  ['(garbage collector)', 'garbage collection'],
  ['(idle)', 'idle (waiting)'],
  ['(program)', 'V8 and Node internals'],
]);

/** Where code of Node itself (events, buffers, zlib, crypto, timers) runs when no module of ours or of a package called it. */
const EVENT_LOOP = 'Node internals (event loop, timers)';

export interface StageTable {
  totalSeconds: number;
  /** Seconds and share of the profiled CPU time per stage, largest first. */
  stages: Array<{ stage: string; seconds: number; share: number }>;
}

/** Starts profiling this process; the returned function stops and says where the time went. */
export async function startCpuStages(): Promise<() => Promise<StageTable>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return stagesOf(profile);
  };
}

function stagesOf(profile: Profiler.Profile): StageTable {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

  const stageCache = new Map<number, string>();
  const stageOf = (id: number): string => {
    const cached = stageCache.get(id);
    if (cached) return cached;
    const node = byId.get(id);
    let stage = 'other';
    if (node && !node.callFrame.url && node.callFrame.functionName === '(root)') stage = EVENT_LOOP;
    else if (node) {
      const own = OWN_NAMES.get(node.callFrame.functionName);
      const url = node.callFrame.url;
      const parent = parentOf.get(id);
      if (own) stage = own;
      // Built-ins and Node's own modules work for whoever called them.
      else if (!url || url.startsWith('node:')) stage = parent === undefined ? EVENT_LOOP : stageOf(parent);
      else stage = STAGES.find(([pattern]) => pattern.test(url))?.[1] ?? 'other';
    }
    stageCache.set(id, stage);
    return stage;
  };

  const micros = new Map<string, number>();
  let total = 0;
  profile.samples?.forEach((id, index) => {
    const delta = profile.timeDeltas?.[index] ?? 0;
    total += delta;
    const stage = stageOf(id);
    micros.set(stage, (micros.get(stage) ?? 0) + delta);
  });
  return {
    totalSeconds: total / 1e6,
    stages: [...micros]
      .sort(([, a], [, b]) => b - a)
      .map(([stage, time]) => ({ stage, seconds: Number((time / 1e6).toFixed(2)), share: Number((time / total).toFixed(3)) })),
  };
}

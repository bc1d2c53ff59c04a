/**
 * `npm run bench:scale -- --leads N [--json] [--batch-size 10] [--concurrency 8] [--parallel-segments 4] [--due-per-night D]`
 *
 * A forceAll over N generated leads on the local runtime (same ASL and handlers as AWS, the offline
 * rules provider), every execution counted the AWS way, every DynamoDB request metered in request
 * units, every Lambda timed. Then a projection to 10,000,000 leads: executions, the largest history,
 * state transitions, Lambda GB-s and DynamoDB request units of one full backfill and of one nightly
 * run, with their dollars at the list prices of `bench/aws-list-prices.ts`. The projection is the
 * design's arithmetic (`shared/pipeline/execution-plan.ts`) fed with what this run measured: Lambda
 * milliseconds per invocation of each function and request units per lead. Batches hold
 * `--batch-size` leads whatever the provider (the run is given it as `batchSize` and as
 * `rulesOnlyBatchSize`): 10, the default, is the shape of a run that asks a model — on AWS the
 * default; 100 is a rules-only run's. The backfill is projected from that first run (each lead's
 * first normalization); the nightly run from a second forceAll over the same leads, as a night's
 * leads are normalized again (each write then reads the version it replaces).
 */
import { parseArgs } from 'node:util';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { localStores } from '#cli/local-stores.ts';
import { TASK_FUNCTIONS } from '#infra/normalization-stack.ts';
import { runStateMachineLocally, startLocalEnvironment, taskFunctions } from '#infra/local/local-runtime.ts';
import {
  BATCHES_PER_PAGE,
  PAGES_PER_SEGMENT_EXECUTION,
  pageEvents,
  parentExecutionEvents,
  segmentsFor,
} from '#shared/pipeline/execution-plan.ts';
import type { RunSummary } from '#shared/pipeline/report-run.ts';
import { DUE_INDEX_SHARDS } from '#shared/stores/due-leads-index.ts';
import { generateLeads } from '#shared/samples/lead-generator.ts';
import { renderStateMachine, STATE_MACHINES } from '#state-machines/render-state-machine.ts';
import { AWS_LIST_PRICES } from './aws-list-prices.ts';
import { peakRssMiB } from './bench-child.ts';
import { dynamoItemBytes, startCapacityMeter } from './dynamodb-capacity-meter.ts';

const PROJECTED_LEADS = 10_000_000;
const DEFAULT_TTL_DAYS = 7;

type FunctionName = keyof typeof TASK_FUNCTIONS;

interface Usage {
  stateTransitions: number;
  lambdaRequests: number;
  lambdaGbSeconds: number;
  readUnits: number;
  writeUnits: number;
}

const usd = (usage: Usage) => ({
  stepFunctions: usage.stateTransitions * AWS_LIST_PRICES.stepFunctionsPerStateTransition,
  lambda: usage.lambdaGbSeconds * AWS_LIST_PRICES.lambdaPerGbSecond + usage.lambdaRequests * AWS_LIST_PRICES.lambdaPerRequest,
  dynamoDb: usage.readUnits * AWS_LIST_PRICES.dynamoDbPerReadRequestUnit + usage.writeUnits * AWS_LIST_PRICES.dynamoDbPerWriteRequestUnit,
});

const withTotal = (parts: ReturnType<typeof usd>) => ({ ...parts, total: parts.stepFunctions + parts.lambda + parts.dynamoDb });

/** How a run over `leads` due leads in `segments` segments unfolds, as the design does it. */
function runShape(leads: number, segments: number, batchSize: number) {
  const perSegment = Math.ceil(leads / segments);
  const batchesPerSegment = Math.ceil(perSegment / batchSize);
  const pagesPerSegment = Math.max(1, Math.ceil(batchesPerSegment / BATCHES_PER_PAGE));
  const rounds = Math.ceil(pagesPerSegment / PAGES_PER_SEGMENT_EXECUTION);
  // The first execution of a segment: up to 4 pages, full but for the segment's last.
  const firstPages = Math.min(pagesPerSegment, PAGES_PER_SEGMENT_EXECUTION);
  let childEvents = 2 + 2 - 2;
  for (let page = 0; page < firstPages; page += 1) childEvents += pageEvents(Math.min(BATCHES_PER_PAGE, batchesPerSegment - page * BATCHES_PER_PAGE));
  const batches = segments * batchesPerSegment;
  const pages = segments * pagesPerSegment;
  const executions = 1 + segments * rounds;
  return {
    segments,
    rounds,
    executions,
    batches,
    pages,
    maxHistoryEventsPerExecution: Math.max(parentExecutionEvents(rounds), childEvents),
    // States entered: the parent's LoadConfig, IsEnabled, PlanRun, HasWork, then ProcessSegments, Report, MoreToDo, NextRound
    // or Done a round; per page SelectPage, HasBatches, NormalizeBatches, FinishPage, MorePages and NextPage (SegmentDone
    // instead after an execution's last page); InvokeModel and WriteResults per batch.
    stateTransitions: 4 + 4 * rounds + 6 * pages + 2 * batches,
    invocations: {
      'load-config': 1,
      'plan-run': 1,
      'report-run': rounds,
      'select-page': pages,
      'finish-page': pages,
      'invoke-model': batches,
      'write-results': batches,
    } as Partial<Record<FunctionName, number>>,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      leads: { type: 'string', default: '20000' },
      'batch-size': { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '8' },
      'parallel-segments': { type: 'string', default: '4' },
      'due-per-night': { type: 'string', default: String(Math.round(PROJECTED_LEADS / DEFAULT_TTL_DAYS)) },
      json: { type: 'boolean', default: false },
    },
  });
  const leadCount = Number(values.leads);
  const batchSize = Number(values['batch-size']);
  const duePerNight = Number(values['due-per-night']);
  if (!Number.isInteger(leadCount) || leadCount < 1) throw new Error(`--leads must be a whole number ≥ 1 (got "${values.leads}")`);

  const local = await startLocalEnvironment({ inMemory: true });
  const meter = await startCapacityMeter(new URL(local.db.endpoint));
  try {
    Object.assign(process.env, local.env, {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      NORMFLOW_CONFIG_OVERRIDE: JSON.stringify({
        batchSize,
        rulesOnlyBatchSize: batchSize,
        maxConcurrency: Number(values.concurrency),
        maxParallelSegments: Number(values['parallel-segments']),
      }),
    });
    await localStores(local).leads.putMany(generateLeads(leadCount));
    // From here on every Lambda's DynamoDB call goes through the meter.
    process.env.DYNAMODB_ENDPOINT = meter.url;

    const definition = renderStateMachine(
      'normalize-leads',
      Object.fromEntries(Object.entries(STATE_MACHINES['normalize-leads'].functions).map(([placeholder, fn]) => [placeholder, `arn:aws:lambda:us-east-1:000000000000:function:normflow-local-${fn}`])),
    );
    const functionOf = taskFunctions(definition) as Map<string, FunctionName>;
    // Each run's own: the first normalizes every lead for the first time, the second again.
    let milliseconds = new Map<FunctionName, { calls: number; total: number }>();
    const timed = Object.fromEntries(
      [...functionOf].map(([state, fn]) => [
        state,
        async (payload: unknown, next: (payload: unknown) => Promise<unknown>) => {
          const start = performance.now();
          try {
            return await next(payload);
          } finally {
            const entry = milliseconds.get(fn) ?? { calls: 0, total: 0 };
            // Lambda bills each invocation in whole milliseconds.
            entry.calls += 1;
            entry.total += Math.ceil(performance.now() - start);
            milliseconds.set(fn, entry);
          }
        },
      ]),
    );

    const begin = performance.now();
    const result = await runStateMachineLocally('normalize-leads', { input: { forceAll: true }, handlerOverrides: timed, executionName: 'bench-scale' });
    const seconds = (performance.now() - begin) / 1000;
    if (result.status !== 'SUCCEEDED') throw new Error(`the run failed: ${result.error?.name}: ${result.error?.message}`);
    const summary = result.output as RunSummary;

    // Average item sizes, read past the meter.
    const averageBytes = new Map<string, number>();
    for (const table of [local.env.LEADS_TABLE ?? '', local.env.RUNS_TABLE ?? '']) {
      let bytes = 0;
      let items = 0;
      let startKey: Record<string, never> | undefined;
      do {
        const page = await local.db.client.send(new ScanCommand({ TableName: table, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
        for (const item of page.Items ?? []) bytes += dynamoItemBytes(item as never);
        items += page.Items?.length ?? 0;
        startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
      } while (startKey);
      averageBytes.set(table, items ? bytes / items : 0);
    }
    const capacity = meter.totals((table) => averageBytes.get(table) ?? 0);
    const leadBytes = averageBytes.get(local.env.LEADS_TABLE ?? '') ?? 0;
    const firstMilliseconds = milliseconds;

    // The same leads again, as a night's due leads are: a write now reads the version it replaces
    // (a first normalization has none to read), so a night costs what this run costs, not the first.
    milliseconds = new Map();
    const again = await runStateMachineLocally('normalize-leads', { input: { forceAll: true }, handlerOverrides: timed, executionName: 'bench-scale-again' });
    if (again.status !== 'SUCCEEDED') throw new Error(`the second run failed: ${again.error?.name}: ${again.error?.message}`);
    const againCounts = (again.output as RunSummary).counts;
    const renormalized = againCounts.normalized + againCounts.unchanged;
    if (renormalized !== leadCount) throw new Error(`the second run normalized ${renormalized} of ${leadCount} leads`);
    const capacityAfter = meter.totals((table) => averageBytes.get(table) ?? 0);
    const againMilliseconds = milliseconds;

    const gbSecondsPerCallOf = (measuredMs: typeof milliseconds) =>
      new Map([...measuredMs].map(([fn, { calls, total }]) => [fn, ((total / calls) / 1000) * ((TASK_FUNCTIONS[fn]?.memorySize ?? 1024) / 1024)]));
    const gbSecondsPerCall = gbSecondsPerCallOf(firstMilliseconds);
    const lambdaGbSeconds = [...firstMilliseconds].reduce((sum, [fn, { calls }]) => sum + calls * (gbSecondsPerCall.get(fn) ?? 0), 0);
    const lambdaRequests = [...firstMilliseconds].reduce((sum, [, { calls }]) => sum + calls, 0);
    const normalized = summary.counts.normalized + summary.counts.unchanged;
    const measured = {
      leads: leadCount,
      normalized,
      executions: result.executions.length,
      maxHistoryEventsPerExecution: Math.max(...result.executions.map((execution) => execution.historyEvents)),
      maxPayloadBytes: Math.max(...result.executions.map((execution) => execution.maxPayloadBytes)),
      seconds: Number(seconds.toFixed(1)),
      leadsPerSecond: Number((normalized / seconds).toFixed(1)),
      peakRssMiB: Math.round(peakRssMiB()),
      segments: summary.segments,
      stateTransitions: result.executions.reduce((sum, execution) => sum + execution.stateTransitions, 0),
      lambdaRequests,
      lambdaGbSeconds: Number(lambdaGbSeconds.toFixed(1)),
      readUnits: Math.round(capacity.readUnits),
      writeUnits: Math.round(capacity.writeUnits),
      averageLeadBytes: Math.round(leadBytes),
    };

    // Request units per lead, apart from reading the table (a full Scan here, a sparse index at night).
    const scanUnitsPerLeadRead = leadBytes / 4096 / 2;
    const otherReadUnitsPerLead = (capacity.readUnits - capacity.scanReadUnits) / leadCount;
    const writeUnitsPerLead = capacity.writeUnits / leadCount;
    const againReadUnitsPerLead = (capacityAfter.readUnits - capacityAfter.scanReadUnits - (capacity.readUnits - capacity.scanReadUnits)) / leadCount;
    const againWriteUnitsPerLead = (capacityAfter.writeUnits - capacity.writeUnits) / leadCount;
    const lambda = (invocations: Partial<Record<FunctionName, number>>, perCall = gbSecondsPerCall) => {
      const requests = Object.values(invocations).reduce((sum, count) => sum + (count ?? 0), 0);
      const gbSeconds = Object.entries(invocations).reduce((sum, [fn, count]) => sum + (count ?? 0) * (perCall.get(fn as FunctionName) ?? 0), 0);
      return { lambdaRequests: requests, lambdaGbSeconds: gbSeconds };
    };
    const check = runShape(leadCount, summary.segments.total, batchSize);

    const backfillShape = runShape(PROJECTED_LEADS, segmentsFor(PROJECTED_LEADS, batchSize), batchSize);
    // The embedded server does not meter index writes: each lead's first entry in the index of due leads is one more write unit.
    const backfill: Usage = {
      stateTransitions: backfillShape.stateTransitions,
      ...lambda(backfillShape.invocations),
      readUnits: PROJECTED_LEADS * (scanUnitsPerLeadRead + otherReadUnitsPerLead),
      writeUnits: PROJECTED_LEADS * (writeUnitsPerLead + 1),
    };
    // A night with the stream on: the due leads come from the sparse index (one Query per shard, keys only),
    // whose entry each write moves (an index update is a delete and a put: 2 write units).
    const indexEntryBytes = 'dueShard'.length + 3 + 'dueAt'.length + 24 + 'leadId'.length + 12;
    const nightlyShape = runShape(duePerNight, DUE_INDEX_SHARDS, batchSize);
    const nightly: Usage = {
      stateTransitions: nightlyShape.stateTransitions,
      ...lambda(nightlyShape.invocations, gbSecondsPerCallOf(againMilliseconds)),
      readUnits: duePerNight * ((indexEntryBytes / 4096) / 2 + againReadUnitsPerLead),
      writeUnits: duePerNight * (againWriteUnitsPerLead + 2),
    };
    const msPerInvocation = (measuredMs: typeof milliseconds) => Object.fromEntries([...measuredMs].map(([fn, { calls, total }]) => [fn, Number((total / calls).toFixed(1))]));
    const round = (usage: Usage) => Object.fromEntries(Object.entries(usage).map(([key, value]) => [key, Math.round(value)])) as unknown as Usage;
    const projection = {
      leads: PROJECTED_LEADS,
      batchSize,
      prices: AWS_LIST_PRICES,
      backfill: {
        input: { forceAll: true },
        executions: backfillShape.executions,
        segments: backfillShape.segments,
        rounds: backfillShape.rounds,
        maxHistoryEventsPerExecution: backfillShape.maxHistoryEventsPerExecution,
        ...round(backfill),
        usd: withTotal(usd(backfill)),
      },
      nightly: {
        input: {},
        dueLeads: duePerNight,
        dueLeadsRule: `every lead again after normalizationTTLDays (${DEFAULT_TTL_DAYS}), from the sparse index of due leads`,
        executions: nightlyShape.executions,
        segments: nightlyShape.segments,
        rounds: nightlyShape.rounds,
        maxHistoryEventsPerExecution: nightlyShape.maxHistoryEventsPerExecution,
        ...round(nightly),
        usd: withTotal(usd(nightly)),
      },
      unitCosts: {
        lambdaMsPerInvocation: msPerInvocation(firstMilliseconds),
        readUnitsPerLeadBesidesTheScan: Number(otherReadUnitsPerLead.toFixed(3)),
        scanReadUnitsPerLead: Number(scanUnitsPerLeadRead.toFixed(4)),
        writeUnitsPerLead: Number(writeUnitsPerLead.toFixed(3)),
        normalizedAgain: {
          lambdaMsPerInvocation: msPerInvocation(againMilliseconds),
          readUnitsPerLeadBesidesTheScan: Number(againReadUnitsPerLead.toFixed(3)),
          writeUnitsPerLead: Number(againWriteUnitsPerLead.toFixed(3)),
        },
        stateTransitionsMeasuredVsDesign: [measured.stateTransitions, check.stateTransitions],
      },
    };

    if (values.json) {
      console.log(JSON.stringify({ ...measured, projection }));
      return;
    }
    console.log(`normflow scale benchmark: forceAll over ${leadCount} generated leads, batch ${batchSize}, local runtime with AWS accounting, store in memory (its tables count in peakRssMiB)\n`);
    for (const [key, value] of Object.entries(measured)) console.log(`${key.padEnd(30)} ${typeof value === 'object' ? JSON.stringify(value) : value}`);
    console.log(`\nprojection for ${PROJECTED_LEADS.toLocaleString('en-US')} leads (list prices ${AWS_LIST_PRICES.region}, ${AWS_LIST_PRICES.asOf}):`);
    console.log(JSON.stringify({ backfill: projection.backfill, nightly: projection.nightly, unitCosts: projection.unitCosts }, null, 2));
  } finally {
    await meter.close();
    await local.close();
  }
}

await main();

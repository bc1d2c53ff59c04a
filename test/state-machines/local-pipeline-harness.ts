import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { localStores } from '#cli/local-stores.ts';
import { runStateMachineLocally, startLocalEnvironment, type LocalEnvironment, type LocalRunOptions } from '#infra/local/local-runtime.ts';
import { CONFIG_ID, RUN_LOCK_NAME } from '#shared/pipeline/pipeline-types.ts';
import type { RunSummary } from '#shared/pipeline/report-run.ts';
import { toAttributes, toPlain } from '#shared/stores/attribute-conversion.ts';
import { readNumber, storable } from '#shared/stores/dynamodb-client.ts';
import { inProcessEngine, registerInProcessEndpoint } from '#shared/stores/in-process-endpoints.ts';
import type { LeadItem } from '#shared/stores/store-ports.ts';

/** Every Task state retries at once in tests: the ASL's real backoff is asserted elsewhere. */
export const NO_RETRY_WAIT = {
  LoadConfig: 0,
  PlanRun: 0,
  SelectPage: 0,
  InvokeModel: 0,
  WriteResults: 0,
  SplitBatch: 0,
  LeadInvokeModel: 0,
  LeadWriteResults: 0,
  RecordLeadFailure: 0,
  RecordBatchFailure: 0,
  FinishPage: 0,
  Report: 0,
  ReleaseLockAfterFailure: 0,
};

export interface Harness {
  local: LocalEnvironment;
  stores: ReturnType<typeof localStores>;
  seed(leads: LeadItem[]): Promise<void>;
  /** The config table item: data only (deployment keys fail the run with Config.Invalid). */
  setConfig(config: Record<string, unknown>): Promise<void>;
  /** Deploy-time model settings, as CDK context sets them in the Lambdas' environment. */
  setDeployment(deployment: DeploymentEnvironment): void;
  run(input?: LocalRunOptions['input'], options?: Omit<LocalRunOptions, 'input'>): ReturnType<typeof runStateMachineLocally>;
  /**
   * Changes a lead between the pipeline's read of it and its normalization write (WriteResults does
   * both): when that write reaches the store, `change` gets the lead as it is and returns it edited,
   * or undefined to delete it; then the write is applied. Once, in the next run.
   */
  changeBeforeWrite(leadId: string, change: (lead: LeadItem) => LeadItem | undefined): void;
  lead(id: string): Promise<LeadItem | undefined>;
  allLeads(): Promise<LeadItem[]>;
  /** The run lock item as stored (released: `expiresAt` in 1970). */
  lockItem(): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

export interface DeploymentEnvironment {
  provider?: 'rules' | 'bedrock' | 'openai';
  baseUrl?: string;
  region?: string;
  apiKeySecretArn?: string;
  allowedModelIds?: string[];
  defaults?: Record<string, unknown>;
}

const DEPLOYMENT_VARIABLES = {
  provider: 'NORMFLOW_PROVIDER',
  baseUrl: 'NORMFLOW_MODEL_BASE_URL',
  region: 'NORMFLOW_MODEL_REGION',
  apiKeySecretArn: 'NORMFLOW_API_KEY_SECRET_ARN',
  allowedModelIds: 'NORMFLOW_ALLOWED_MODEL_IDS',
  defaults: 'NORMFLOW_CONFIG_DEFAULTS',
} as const;

function setDeployment(deployment: DeploymentEnvironment): void {
  for (const [key, variable] of Object.entries(DEPLOYMENT_VARIABLES) as Array<[keyof DeploymentEnvironment, string]>) {
    const value = deployment[key];
    if (value === undefined) delete process.env[variable];
    else process.env[variable] = Array.isArray(value) ? value.join(',') : typeof value === 'object' ? JSON.stringify(value) : value;
  }
  if (deployment.provider === undefined) process.env.NORMFLOW_PROVIDER = 'rules';
}

/** An in-memory local runtime: embedded store, tables, the process environment the handlers read. */
export async function startHarness(): Promise<Harness> {
  const local = await startLocalEnvironment({ inMemory: true });
  Object.assign(process.env, local.env, { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  delete process.env.NORMFLOW_CONFIG_OVERRIDE;
  setDeployment({});
  const stores = localStores(local);
  let stopChanging: (() => void) | undefined;
  return {
    local,
    stores,
    seed: (leads) => stores.leads.putMany(leads),
    setConfig: (config) => stores.config.putConfig(CONFIG_ID, config),
    setDeployment,
    run: async (input = {}, options = {}) => {
      try {
        return await runStateMachineLocally('normalize-leads', { retryIntervalOverrides: NO_RETRY_WAIT, ...options, input });
      } finally {
        stopChanging?.();
        stopChanging = undefined;
      }
    },
    changeBeforeWrite: (leadId, change) => {
      stopChanging = interceptNormalizationWrite(local, leadId, change);
    },
    lead: async (id) => (await stores.leads.getMany([id])).get(id),
    allLeads: async () => {
      const items: LeadItem[] = [];
      for await (const item of stores.leads.scanAll()) items.push(item);
      return items.sort((a, b) => String(a.leadId).localeCompare(String(b.leadId)));
    },
    lockItem: async () =>
      (await local.db.documentClient.send(new GetCommand({ TableName: local.env.RUNS_TABLE, Key: { pk: `LOCK#${RUN_LOCK_NAME}`, sk: 'LOCK' }, ConsistentRead: true }))).Item,
    close: () => local.close(),
  };
}

/**
 * Serves the local store's endpoint through a wrapper that applies `change` just before the first
 * normalization write of `leadId` (an UpdateItem setting `normalizedData`); returns what puts the
 * store back. The handlers' clients follow the endpoint's store (getPipelineRuntime).
 */
function interceptNormalizationWrite(local: LocalEnvironment, leadId: string, change: (lead: LeadItem) => LeadItem | undefined): () => void {
  const { endpoint } = local.db;
  const store = inProcessEngine(endpoint);
  if (!store) throw new Error(`no in-process store serves ${endpoint}`);
  const TableName = local.env.LEADS_TABLE;
  const Key = { leadId: { S: leadId } };
  let pending = true;
  registerInProcessEndpoint(endpoint, {
    handle(operation, input) {
      const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
      const isTheWrite = operation === 'UpdateItem' && input.TableName === TableName && JSON.stringify(input.Key) === JSON.stringify(Key) && values?.[':normalizedData'] !== undefined;
      if (pending && isTheWrite) {
        pending = false;
        const current = store.handle('GetItem', { TableName, Key, ConsistentRead: true }).Item as Parameters<typeof toPlain>[0] | undefined;
        const changed = current && change(toPlain(current, { wrapNumbers: readNumber }));
        if (changed) store.handle('PutItem', { TableName, Item: toAttributes(storable(changed), { removeUndefinedValues: true }) });
        else store.handle('DeleteItem', { TableName, Key });
      }
      return store.handle(operation, input);
    },
  });
  return () => registerInProcessEndpoint(endpoint, store);
}

export const summaryOf = (output: unknown): RunSummary => output as RunSummary;

/** `count` leads L-000… with messy values the rules decide on their own. */
export function decidedLeads(count: number, prefix = 'L'): LeadItem[] {
  return Array.from({ length: count }, (_, index) => ({
    leadId: `${prefix}-${String(index).padStart(3, '0')}`,
    nombres: 'JUAN CARLOS',
    apellidos: 'PEREZ GOMEZ',
    direccion: 'CRA 15 NO 100 25',
    ciudad: 'medellin',
    nivelEducativo: 'BACHILLERATO COMPLETO',
    email: `person${index}@example.com`,
  }));
}

import { startLocalEnvironment } from '#infra/local/local-runtime.ts';
import type { PersistentValueCache } from '#shared/engine/value-cache.ts';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { createDynamoDbClients } from '#shared/stores/dynamodb-client.ts';
import { createDynamoDbConfigStore } from '#shared/stores/dynamodb-config-store.ts';
import { createDynamoDbLeadStore } from '#shared/stores/dynamodb-lead-store.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import { createDynamoDbValueCache } from '#shared/stores/dynamodb-value-cache.ts';
import type { ConfigStore, LeadStore, RunStore } from '#shared/stores/store-ports.ts';
import { localStores } from './local-stores.ts';

export interface MaintenanceOptions {
  dataDir: string;
  aws?: boolean;
  leadsTable?: string;
  runsTable?: string;
  cacheTable?: string;
  configTable?: string;
  region?: string;
}

export interface MaintenanceStores {
  leads: LeadStore;
  runs: RunStore;
  valueCache: PersistentValueCache;
  config: ConfigStore | undefined;
  where: string;
  close(): Promise<void>;
}

/** The tables `leads forget` and `cache clear` work on: the local store, or deployed tables named by the stack outputs. */
export async function openMaintenanceStores(options: MaintenanceOptions, needs: Array<'leads' | 'runs' | 'cache'>): Promise<MaintenanceStores> {
  if (options.aws) {
    const names = { leads: options.leadsTable, runs: options.runsTable, cache: options.cacheTable };
    const missing = needs.filter((need) => !names[need]);
    if (missing.length > 0) throw new UsageError(`--aws needs ${missing.map((need) => `--${need}-table T`).join(', ')} (the stack outputs)`);
    const { client: dynamo, documentClient: client } = createDynamoDbClients({ region: options.region });
    return {
      leads: createDynamoDbLeadStore({ client, tableName: names.leads ?? '' }),
      runs: createDynamoDbRunStore({ client, tableName: names.runs ?? '' }),
      valueCache: createDynamoDbValueCache({ client, tableName: names.cache ?? '' }),
      config: options.configTable ? createDynamoDbConfigStore({ client, tableName: options.configTable }) : undefined,
      where: 'the AWS tables',
      close: async () => dynamo.destroy(),
    };
  }
  const local = await startLocalEnvironment({ dataDir: options.dataDir });
  return {
    ...localStores(local),
    where: `the local store in ${options.dataDir}`,
    close: () => local.close(),
  };
}

import type { Command } from 'commander';
import { DEFAULT_DATA_DIR, startLocalEnvironment } from '#infra/local/local-runtime.ts';
import { mergeConfigLayers, parseConfig, type NormalizationConfig } from '#shared/config/normalization-config.ts';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { CONFIG_ID } from '#shared/pipeline/pipeline-types.ts';
import { createDynamoDbClients } from '#shared/stores/dynamodb-client.ts';
import { createDynamoDbConfigStore } from '#shared/stores/dynamodb-config-store.ts';
import { createDynamoDbDecisionStore } from '#shared/stores/dynamodb-decision-store.ts';
import { createDynamoDbLeadStore } from '#shared/stores/dynamodb-lead-store.ts';
import { createDynamoDbRunStore } from '#shared/stores/dynamodb-run-store.ts';
import type { ConfigStore, DecisionStore, LeadStore, RunStore } from '#shared/stores/store-ports.ts';
import { TABLE_DEFINITIONS, type TableLogicalName } from '#shared/stores/table-definitions.ts';
import { readJsonConfigFile } from './cli-config.ts';
import { checkDataDir } from './data-dir.ts';
import { localStores } from './local-stores.ts';

/** Where a steward command reads and writes: the local store, or (`--aws`) the deployed tables. */
export interface StoreTargetOptions {
  dataDir: string;
  aws?: boolean;
  leadsTable?: string;
  runsTable?: string;
  configTable?: string;
  decisionsTable?: string;
  config?: string;
}

export interface StewardStores {
  leads: LeadStore;
  runs: RunStore;
  config: ConfigStore;
  decisions: DecisionStore;
  /** The local data folder, or undefined with `--aws`. */
  dataDir: string | undefined;
  close(): Promise<void>;
}

/** The options every steward command takes to choose its store. */
export function withStoreTargetOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .option('--config <file>', 'JSON config merged over the config table item (for the field names and kinds)')
    .option('--aws', 'use the deployed DynamoDB tables (your AWS credentials and region) instead of the local store')
    .option('--leads-table <name>', 'with --aws: the leads table (default: $LEADS_TABLE)')
    .option('--runs-table <name>', 'with --aws: the runs table (default: $RUNS_TABLE)')
    .option('--config-table <name>', 'with --aws: the config table (default: $CONFIG_TABLE)')
    .option('--decisions-table <name>', 'with --aws: the decisions table (default: $DECISIONS_TABLE)');
}

const TABLE_FLAGS: Record<Exclude<TableLogicalName, 'valueCache'>, { flag: string; option: keyof StoreTargetOptions }> = {
  leads: { flag: '--leads-table', option: 'leadsTable' },
  runs: { flag: '--runs-table', option: 'runsTable' },
  config: { flag: '--config-table', option: 'configTable' },
  decisions: { flag: '--decisions-table', option: 'decisionsTable' },
};

/**
 * The stores of the chosen target. With `--aws` each table name comes from its flag or the
 * environment variable the Lambdas read; a command that touches a table it has no name for
 * stops with a usage error naming the flag.
 */
export async function openStewardStores(options: StoreTargetOptions): Promise<StewardStores> {
  if (!options.aws) {
    await checkDataDir(options.dataDir);
    const local = await startLocalEnvironment({ dataDir: options.dataDir });
    return {
      ...localStores(local),
      dataDir: local.dataDir,
      close: () => local.close(),
    };
  }
  const { client: dynamodb, documentClient: client } = createDynamoDbClients();
  const table = (name: keyof typeof TABLE_FLAGS): string => {
    const { flag, option } = TABLE_FLAGS[name];
    const envVar = TABLE_DEFINITIONS[name].tableNameEnvVar;
    const tableName = (options[option] as string | undefined) ?? process.env[envVar];
    if (!tableName) throw new UsageError(`--aws needs ${flag} NAME (or ${envVar} in the environment): the stack output ${name.charAt(0).toUpperCase()}${name.slice(1)}TableName`);
    return tableName;
  };
  const memo = new Map<string, unknown>();
  const once = <T>(name: string, create: () => T): T => {
    if (!memo.has(name)) memo.set(name, create());
    return memo.get(name) as T;
  };
  return {
    get leads() {
      return once('leads', () => createDynamoDbLeadStore({ client, tableName: table('leads') }));
    },
    get runs() {
      return once('runs', () => createDynamoDbRunStore({ client, tableName: table('runs') }));
    },
    get config() {
      return once('config', () => createDynamoDbConfigStore({ client, tableName: table('config') }));
    },
    get decisions() {
      return once('decisions', () => createDynamoDbDecisionStore({ client, tableName: table('decisions') }));
    },
    dataDir: undefined,
    close: async () => dynamodb.destroy(),
  };
}

/** Opens the stores, runs `work`, and always closes them. */
export async function withStewardStores<T>(options: StoreTargetOptions, work: (stores: StewardStores) => Promise<T>): Promise<T> {
  const stores = await openStewardStores(options);
  try {
    return await work(stores);
  } finally {
    await stores.close();
  }
}

/**
 * The normalization config the pipeline runs with (the config table item over the defaults, then
 * `--config`): it says which fields exist and of which kind. With `--aws` and no config table
 * named, the `--config` file and the defaults.
 */
export async function stewardConfig(stores: StewardStores, options: StoreTargetOptions): Promise<NormalizationConfig> {
  const hasConfigTable = !options.aws || Boolean(options.configTable ?? process.env[TABLE_DEFINITIONS.config.tableNameEnvVar]);
  const stored = hasConfigTable ? await stores.config.getConfig(CONFIG_ID) : undefined;
  const fileLayer = options.config ? await readJsonConfigFile(options.config) : undefined;
  return parseConfig(mergeConfigLayers(stored, fileLayer));
}

/** A `--field` value checked against the config; the error lists the configured fields. */
export function configuredField(config: NormalizationConfig, field: string): string {
  if (!Object.hasOwn(config.fields, field)) {
    throw new UsageError(`--field ${field} is not a configured field (configured: ${Object.keys(config.fields).join(', ')})`);
  }
  return field;
}

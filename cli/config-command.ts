import type { Command } from 'commander';
import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_DATA_DIR, startLocalEnvironment } from '#infra/local/local-runtime.ts';
import { checkConfigTableItem } from '#shared/config/config-sources.ts';
import { parseConfig } from '#shared/config/normalization-config.ts';
import { UsageError } from '#shared/errors/normflow-errors.ts';
import { CONFIG_ID } from '#shared/pipeline/pipeline-types.ts';
import { createDynamoDbClients } from '#shared/stores/dynamodb-client.ts';
import { createDynamoDbConfigStore } from '#shared/stores/dynamodb-config-store.ts';
import type { ConfigStore } from '#shared/stores/store-ports.ts';
import { readJsonConfigFile } from './cli-config.ts';
import { localStores } from './local-stores.ts';

interface StoreOptions {
  dataDir: string;
  aws?: boolean;
  table?: string;
  region?: string;
}

/** The config table the options name (local store, or a deployed table), and how to let it go. */
async function openConfigStore(options: StoreOptions): Promise<{ store: ConfigStore; where: string; close(): Promise<void> }> {
  if (options.aws) {
    if (!options.table) throw new UsageError('--aws needs --table T (the ConfigTableName output of the stack)');
    const { client, documentClient } = createDynamoDbClients({ region: options.region });
    return {
      store: createDynamoDbConfigStore({ client: documentClient, tableName: options.table }),
      where: `table ${options.table}`,
      close: async () => client.destroy(),
    };
  }
  const local = await startLocalEnvironment({ dataDir: options.dataDir });
  return { store: localStores(local).config, where: `the local store in ${options.dataDir}`, close: () => local.close() };
}

/**
 * The config item as a file would set it: checked as data (types, no deployment keys) before
 * anything is written. `enabled` is kept from the stored item unless the file names it, so
 * replacing settings never silently undoes the cost kill switch.
 */
export function nextConfigItem(file: Record<string, unknown>, stored: Record<string, unknown> | undefined): Record<string, unknown> {
  checkConfigTableItem(file, { allowedModelIds: undefined });
  parseConfig(file);
  return !Object.hasOwn(file, 'enabled') && stored && Object.hasOwn(stored, 'enabled') ? { ...file, enabled: stored.enabled } : file;
}

/**
 * After `seed --config F`: a store without a config item takes F's as its own, so `run`, `review`,
 * `leads list` and `report` find the same fields without `--config` on each command. An item
 * already there is never replaced (that is `config set`), and a file the table may not hold (a
 * model endpoint, a key source: deploy-time) is not stored. Returns what to tell the user, if anything.
 */
export async function adoptSeedConfig(store: ConfigStore, file: Record<string, unknown>, fileName: string): Promise<string | undefined> {
  const stored = await store.getConfig(CONFIG_ID);
  if (stored) {
    const { enabled: _enabled, ...storedSettings } = stored;
    const { enabled: _fileEnabled, ...fileSettings } = file;
    if (isDeepStrictEqual(storedSettings, fileSettings)) return undefined;
    return `this store already has a config item, other than ${fileName}: commands use the stored one unless given --config ${fileName} (\`normflow config set --file ${fileName}\` replaces it)`;
  }
  try {
    await store.putConfig(CONFIG_ID, nextConfigItem(file, undefined));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `${fileName} was not stored as this store's config (${reason}): give --config ${fileName} to run, review and the other commands`;
  }
  return `${fileName} is now this store's config: run, review, leads list and report use it without --config (\`normflow config show\`)`;
}

const storeOptions = (command: Command): Command =>
  command
    .option('--data-dir <dir>', 'where the local store lives', DEFAULT_DATA_DIR)
    .option('--aws', 'a deployed config table instead of the local store')
    .option('--table <name>', 'with --aws: the config table (stack output ConfigTableName)')
    .option('--region <region>', 'with --aws: its region (default: the SDK\'s)');

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description(`the config table item (configId = "${CONFIG_ID}"): data settings of the pipeline`);

  storeOptions(config.command('show').description('print the stored item as JSON (the defaults apply when there is none)')).action(
    async (options: StoreOptions) => {
      const { store, where, close } = await openConfigStore(options);
      try {
        const item = await store.getConfig(CONFIG_ID);
        if (item) console.log(JSON.stringify(item, null, 2));
        else console.log(`no config item in ${where}: the defaults apply`);
      } finally {
        await close();
      }
    },
  );

  storeOptions(
    config
      .command('set')
      .description('replace the item with a JSON file, checked first (model endpoint, key source and provider are deploy-time: refused)')
      .requiredOption('--file <file>', 'JSON object with the settings (docs/configuration.md)'),
  ).action(async (options: StoreOptions & { file: string }) => {
    const file = await readJsonConfigFile(options.file);
    const { store, where, close } = await openConfigStore(options);
    try {
      const item = nextConfigItem(file, await store.getConfig(CONFIG_ID));
      await store.putConfig(CONFIG_ID, item);
      console.log(`config item written to ${where} (${Object.keys(item).sort().join(', ') || 'no keys: the defaults apply'})`);
    } finally {
      await close();
    }
  });
}

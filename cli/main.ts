import { Command, CommanderError } from 'commander';
import { ConfigError } from '#shared/config/normalization-config.ts';
import { ModelError } from '#shared/model/model-errors.ts';
import { AthenaQueryError } from '#shared/stores/athena-query-runner.ts';
import { UsageError } from './cli-config.ts';
import { registerAnalyticsCommand } from './analytics-command.ts';
import { registerCacheCommand } from './cache-command.ts';
import { registerConfigCommand } from './config-command.ts';
import { registerEvalCommand } from './eval-command.ts';
import { registerLeadsCommand } from './leads-command.ts';
import { registerNormalizeCommand } from './normalize-command.ts';
import { registerRunCommand } from './run-command.ts';
import { registerSeedCommand } from './seed-command.ts';
import { registerSqlCommand } from './sql-command.ts';

const program = new Command()
  .name('normflow')
  .description('Normalize messy user-typed records with deterministic rules plus an LLM, offline or on AWS.')
  .showHelpAfterError()
  .exitOverride();

registerNormalizeCommand(program);
registerEvalCommand(program);
registerSeedCommand(program);
registerRunCommand(program);
registerLeadsCommand(program);
registerSqlCommand(program);
registerAnalyticsCommand(program);
registerConfigCommand(program);
registerCacheCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (error instanceof UsageError || error instanceof ConfigError || error instanceof ModelError || error instanceof AthenaQueryError) {
    console.error(`normflow: ${error.message}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}

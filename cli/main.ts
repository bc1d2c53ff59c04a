import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { describeFailure, EXIT_USAGE } from './cli-errors.ts';
import { COMMANDS } from './command-table.ts';

/** The command the arguments name (`normflow help seed` names `seed`), if any. */
function commandNamed(args: readonly string[]): string | undefined {
  const words = args.filter((arg) => !arg.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

const SUCCESSFUL_EXITS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

// Ctrl-C or a kill ends the process through `exit`, where unfinished output files are removed.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

/** The reader of standard output went away (`normflow … | head`): stop quietly, as Unix tools do. */
const isBrokenPipe = (error: unknown): boolean => (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
process.stdout.on('error', (error) => {
  if (isBrokenPipe(error)) process.exit(0);
  console.error(describeFailure(error).line);
  process.exit(1);
});

async function main(argv: readonly string[]): Promise<void> {
  const args = argv.slice(2);
  // Stack traces (shown with --debug) then point at the TypeScript sources, not the bundle.
  if (args.includes('--debug')) process.setSourceMapsEnabled(true);
  const program = new Command()
    .name('normflow')
    .description('Normalize messy user-typed records with deterministic rules plus an LLM, offline or on AWS.')
    .version(packageJson.version, '-V, --version', 'print the normflow version')
    .option('--debug', 'show the stack trace of a failure')
    .exitOverride()
    .configureOutput({
      // Commander's own messages (unknown option, missing argument) become one `normflow:` line too.
      outputError: (text, write) => write(`normflow: ${text.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()}\n`),
    });

  const named = COMMANDS.find((command) => command.name === commandNamed(args));
  if (named) {
    (await named.load())(program);
  } else {
    for (const command of COMMANDS) program.command(command.name).description(command.summary);
  }

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = SUCCESSFUL_EXITS.has(error.code) ? 0 : EXIT_USAGE;
      return;
    }
    if (isBrokenPipe(error)) return;
    const report = describeFailure(error);
    console.error(report.line);
    if (args.includes('--debug') && error instanceof Error && error.stack) console.error(error.stack);
    process.exitCode = report.exitCode;
  }
}

await main(process.argv);

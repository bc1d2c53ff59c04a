import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '#cli/command-table.ts';

describe('the command table main.ts lists without loading the commands', () => {
  it.each(COMMANDS.map((command) => [command.name, command]))('%s: its summary is the command\'s own description', async (name, command) => {
    const program = new Command();
    (await command.load())(program);
    const registered = program.commands.find((candidate) => candidate.name() === name);
    expect(registered?.description()).toBe(command.summary);
  });
});

import { describe, expect, it } from 'vitest';
import { localStateMachineArn, localStateMachineDefinition, validateLocalDefinition } from '#infra/local/local-runtime.ts';
import { STATE_MACHINES, type StateMachineName } from '#state-machines/render-state-machine.ts';

/**
 * The local runtime runs the shipped state machines without validating them at each run (an ASL
 * schema compiled per run), as AWS validates a definition when it is deployed: this is where they
 * are validated, in the form the local runtime runs them.
 */
/** The values the local runtime gives the analytics machines' other placeholders (infra/local/local-analytics.ts). */
const RESOURCES = {
  ConversationsCrawlerName: 'normflow-local-conversations',
  TokenCostsCrawlerName: 'normflow-local-token-costs',
  ConversationExportStateMachineArn: localStateMachineArn('conversation-export'),
  TokenCostsStateMachineArn: localStateMachineArn('token-costs'),
};

describe('the shipped state machines are valid ASL as the local runtime runs them', () => {
  it.each(Object.keys(STATE_MACHINES) as StateMachineName[])('%s', (name) => {
    expect(() => validateLocalDefinition(localStateMachineDefinition(name, RESOURCES))).not.toThrow();
  });

  it('the validation is real: a state that names a missing next state is refused', () => {
    const definition = localStateMachineDefinition('normalize-leads');
    const broken = { ...definition, States: { ...definition.States, IsEnabled: { ...(definition.States.IsEnabled as object), Default: 'NoSuchState' } } };
    expect(() => validateLocalDefinition(broken as typeof definition)).toThrow();
  });
});

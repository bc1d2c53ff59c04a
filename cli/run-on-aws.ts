import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

const POLL_MS = [2_000, 3_000, 5_000, 10_000];

/** Starts the deployed state machine and follows the execution until it ends, printing status and output. */
export async function runOnAws(stateMachineArn: string, input: Record<string, unknown>): Promise<void> {
  const client = new SFNClient({});
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  if (!executionArn) throw new Error('StartExecution returned no execution ARN');
  console.log(`started ${executionArn}`);
  for (let poll = 0; ; poll += 1) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS[Math.min(poll, POLL_MS.length - 1)]));
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status === 'RUNNING' || execution.status === 'PENDING_REDRIVE') {
      if (process.stderr.isTTY) process.stderr.write(`\r${execution.status} for ${Math.round((Date.now() - (execution.startDate?.getTime() ?? Date.now())) / 1000)} s`);
      continue;
    }
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(`status: ${execution.status}`);
    if (execution.output) console.log(JSON.stringify(JSON.parse(execution.output), null, 2));
    if (execution.status !== 'SUCCEEDED') {
      console.error(`${execution.error ?? ''} ${execution.cause ?? ''}`.trim());
      process.exitCode = 1;
    }
    return;
  }
}

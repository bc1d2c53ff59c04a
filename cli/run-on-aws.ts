import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { UsageError } from '#shared/errors/normflow-errors.ts';


const POLL_MS = [2_000, 3_000, 5_000, 10_000];

/** The region a state machine ARN names: `arn:aws:states:us-east-1:123456789012:stateMachine:name` → `us-east-1`. */
export function regionOfStateMachineArn(arn: string): string {
  const match = /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:stateMachine:[\w-]{1,80}$/.exec(arn);
  if (!match?.[1]) throw new UsageError(`--state-machine-arn is not a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>): ${arn}`);
  return match[1];
}

export interface AwsRunResult {
  executionArn: string;
  status: string;
  output: unknown;
  /** The error name of an execution that did not succeed (`Config.Invalid`, `States.Timeout`, …). */
  error?: string;
}

/** Starts the deployed state machine and follows the execution until it ends, printing status and output. */
export async function runOnAws(
  stateMachineArn: string,
  input: Record<string, unknown>,
  options: { client?: SFNClient; sleep?: (ms: number) => Promise<void>; print?: (line: string) => void } = {},
): Promise<AwsRunResult> {
  // The ARN says where the state machine is: no AWS_REGION or profile region needed.
  const client = options.client ?? new SFNClient({ region: regionOfStateMachineArn(stateMachineArn) });
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const print = options.print ?? ((line: string) => console.log(line));
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  if (!executionArn) throw new Error('StartExecution returned no execution ARN');
  print(`started ${executionArn}`);
  for (let poll = 0; ; poll += 1) {
    await sleep(POLL_MS[Math.min(poll, POLL_MS.length - 1)] ?? 10_000);
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status === 'RUNNING' || execution.status === 'PENDING_REDRIVE') {
      if (process.stderr.isTTY) process.stderr.write(`\r${execution.status} for ${Math.round((Date.now() - (execution.startDate?.getTime() ?? Date.now())) / 1000)} s`);
      continue;
    }
    if (process.stderr.isTTY) process.stderr.write('\n');
    const output: unknown = execution.output ? JSON.parse(execution.output) : null;
    print(`status: ${execution.status}`);
    if (output !== null) print(JSON.stringify(output, null, 2));
    if (execution.status !== 'SUCCEEDED') print(`${execution.error ?? ''} ${execution.cause ?? ''}`.trim());
    return { executionArn, status: execution.status ?? 'UNKNOWN', output, ...(execution.error ? { error: execution.error } : {}) };
  }
}

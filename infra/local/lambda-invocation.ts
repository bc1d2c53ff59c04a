import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LAMBDA_TIMEOUT_SECONDS } from '../lambda-timeouts.ts';
import type { Handler } from './local-handlers.ts';

const LOCAL_ACCOUNT_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:normflow-local-';

/** The ARN a local Task invokes a function by. */
export const localFunctionArn = (functionName: string): string => `${LOCAL_ACCOUNT_ARN}${functionName}`;

/** The function name behind a local function ARN; undefined for any other ARN. */
export const localFunctionNameOf = (arn: string): string | undefined => (arn.startsWith(LOCAL_ACCOUNT_ARN) ? arn.slice(LOCAL_ACCOUNT_ARN.length) : undefined);

/**
 * What AWS answers when a function runs past its timeout: Lambda stops it, and the Task fails with
 * this error name (AWS's, not one of normflow's: the ASL's `States.ALL` retries it).
 */
class LambdaTimedOutError extends Error {
  override readonly name = 'Sandbox.Timedout';
}

/** How long a function may run locally, in ms: as deployed, unless a test lowers it. */
export function lambdaTimeoutMs(functionName: string, overrides: Readonly<Record<string, number>> = {}): number {
  const deployed = (LAMBDA_TIMEOUT_SECONDS as Readonly<Record<string, number>>)[functionName];
  if (deployed === undefined) throw new Error(`no timeout for the function "${functionName}" in infra/lambda-timeouts.ts`);
  return overrides[functionName] ?? deployed * 1000;
}

/** The Lambda context a local handler gets, its remaining time counted down to `deadline` (epoch ms). */
export function lambdaContext(functionName: string, deadline = Date.now() + lambdaTimeoutMs(functionName)): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `normflow-local-${functionName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(functionName),
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/normflow-local-${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * One invocation held to the function's timeout, as Lambda holds it: past it, the caller gets
 * `Sandbox.Timedout`. A handler cannot be stopped from outside in Node, so locally it may go on in
 * the background and its later writes may still land (on AWS, requests already sent may too); its
 * answer is dropped. `work` gets the context (a test's stand-in may wrap the handler).
 */
export async function invokeWithinTimeout(functionName: string, timeoutMs: number, work: (context: Context) => Promise<unknown>): Promise<unknown> {
  const context = lambdaContext(functionName, Date.now() + timeoutMs);
  const running = work(context);
  // A late failure after the timeout is the dropped answer's, not an unhandled rejection.
  running.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LambdaTimedOutError(`RequestId: ${context.awsRequestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([running, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Calls a deployed handler as Lambda would: its context, its deployed timeout. */
export function invokeLocally(functionName: string, handler: Handler, payload: unknown): Promise<unknown> {
  return invokeWithinTimeout(functionName, lambdaTimeoutMs(functionName), (context) => handler(payload, context));
}

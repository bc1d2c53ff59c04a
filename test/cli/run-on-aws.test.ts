import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, expect, it } from 'vitest';
import { runOnAws } from '#cli/run-on-aws.ts';

let close: (() => void) | undefined;
afterEach(() => close?.());

/** AWS Step Functions' JSON 1.0 wire protocol: StartExecution, then DescribeExecution answering `statuses` in turn. */
async function fakeStepFunctions(statuses: string[], output: unknown) {
  const calls: Array<{ target: string; body: Record<string, unknown> }> = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '').split('.').at(-1) ?? '';
      calls.push({ target, body: JSON.parse(raw || '{}') as Record<string, unknown> });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      if (target === 'StartExecution') return response.end(JSON.stringify({ executionArn: 'arn:aws:states:us-east-1:1:execution:sm:run-1', startDate: 1 }));
      const status = statuses.shift() ?? 'SUCCEEDED';
      response.end(JSON.stringify({ executionArn: 'arn:aws:states:us-east-1:1:execution:sm:run-1', stateMachineArn: 'sm', status, startDate: 1, ...(status === 'SUCCEEDED' ? { output: JSON.stringify(output) } : { error: 'Input.Invalid', cause: 'unknown key "x"' }) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => server.close();
  const client = new SFNClient({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } });
  return { client, calls };
}

it('starts the deployed state machine with the run input and follows it to its end', async () => {
  const { client, calls } = await fakeStepFunctions(['RUNNING', 'RUNNING', 'SUCCEEDED'], { status: 'completed', counts: { normalized: 12 } });
  const printed: string[] = [];
  const waits: number[] = [];
  const result = await runOnAws('arn:aws:states:us-east-1:1:stateMachine:sm', { forceAll: true }, { client, sleep: async (ms) => void waits.push(ms), print: (line) => printed.push(line) });
  expect(calls[0]).toEqual({ target: 'StartExecution', body: { stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:sm', input: '{"forceAll":true}' } });
  expect(calls.filter((call) => call.target === 'DescribeExecution')).toHaveLength(3);
  expect(waits).toEqual([2_000, 3_000, 5_000]);
  expect(result).toMatchObject({ status: 'SUCCEEDED', output: { counts: { normalized: 12 } } });
  expect(printed).toContain('status: SUCCEEDED');
});

it('reports a failed execution with its error', async () => {
  const { client } = await fakeStepFunctions(['FAILED'], null);
  const printed: string[] = [];
  const result = await runOnAws('sm', {}, { client, sleep: async () => undefined, print: (line) => printed.push(line) });
  expect(result.status).toBe('FAILED');
  expect(printed).toContain('Input.Invalid unknown key "x"');
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, expect, it, vi } from 'vitest';
import { regionOfStateMachineArn, runOnAws } from '#cli/run-on-aws.ts';

let close: (() => void) | undefined;
afterEach(() => close?.());

/** AWS Step Functions' JSON 1.0 wire protocol: StartExecution, then DescribeExecution answering `statuses` in turn. */
async function fakeStepFunctions(statuses: string[], output: unknown) {
  const calls: Array<{ target: string; body: Record<string, unknown>; authorization?: string }> = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '').split('.').at(-1) ?? '';
      calls.push({ target, body: JSON.parse(raw || '{}') as Record<string, unknown>, authorization: request.headers.authorization });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      if (target === 'StartExecution') return response.end(JSON.stringify({ executionArn: 'arn:aws:states:us-east-1:1:execution:sm:run-1', startDate: 1 }));
      const status = statuses.shift() ?? 'SUCCEEDED';
      response.end(JSON.stringify({ executionArn: 'arn:aws:states:us-east-1:1:execution:sm:run-1', stateMachineArn: 'sm', status, startDate: 1, ...(status === 'SUCCEEDED' ? { output: JSON.stringify(output) } : { error: 'Input.Invalid', cause: 'unknown key "x"' }) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => server.close();
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } });
  return { client, calls, endpoint };
}

it('starts the deployed state machine with the run input and follows it to its end', async () => {
  const { client, calls } = await fakeStepFunctions(['RUNNING', 'RUNNING', 'SUCCEEDED'], { status: 'completed', counts: { normalized: 12 } });
  const printed: string[] = [];
  const waits: number[] = [];
  const result = await runOnAws('arn:aws:states:us-east-1:1:stateMachine:sm', { forceAll: true }, { client, sleep: async (ms) => void waits.push(ms), print: (line) => printed.push(line) });
  expect(calls[0]).toMatchObject({ target: 'StartExecution', body: { stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:sm', input: '{"forceAll":true}' } });
  expect(calls.filter((call) => call.target === 'DescribeExecution')).toHaveLength(3);
  expect(waits).toEqual([2_000, 3_000, 5_000]);
  expect(result).toMatchObject({ status: 'SUCCEEDED', output: { counts: { normalized: 12 } } });
  expect(printed).toContain('status: SUCCEEDED');
});

it('reports a failed execution with its error', async () => {
  const { client } = await fakeStepFunctions(['FAILED'], null);
  const printed: string[] = [];
  const result = await runOnAws('sm', {}, { client, sleep: async () => undefined, print: (line) => printed.push(line) });
  expect(result).toMatchObject({ status: 'FAILED', error: 'Input.Invalid' });
  expect(printed).toContain('Input.Invalid unknown key "x"');
});

it('takes the region from the state machine ARN: no AWS_REGION or profile needed', async () => {
  const { calls, endpoint } = await fakeStepFunctions(['SUCCEEDED'], { status: 'completed' });
  vi.stubEnv('AWS_REGION', '');
  vi.stubEnv('AWS_DEFAULT_REGION', '');
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent');
  vi.stubEnv('AWS_ENDPOINT_URL_SFN', endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 't');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 't');
  try {
    const result = await runOnAws('arn:aws:states:eu-west-3:123456789012:stateMachine:normflow-dev-normalize-leads', {}, { sleep: async () => undefined, print: () => undefined });
    expect(result.status).toBe('SUCCEEDED');
    expect(calls[0]?.authorization).toMatch(/Credential=t\/\d{8}\/eu-west-3\/states\/aws4_request/);
  } finally {
    vi.unstubAllEnvs();
  }
});

it('names a malformed ARN instead of failing later with "Region is missing"', () => {
  expect(() => regionOfStateMachineArn('normflow-dev-normalize-leads')).toThrow(/not a state machine ARN/);
});

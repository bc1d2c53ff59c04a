import { describe, expect, it } from 'vitest';
import { startFakeBedrockServer } from '#test/fakes/fake-bedrock-server.ts';
import {
  echoJsonAnswer,
  hallucinateAnswer,
  invalidJsonAnswer,
  markdownAnswer,
  type FakeLlmServer,
} from '#test/fakes/fake-llm-server.ts';
import { startFakeOpenAiServer } from '#test/fakes/fake-openai-server.ts';

const chat = (server: FakeLlmServer, user = '{"a":{"b":"c"}}') =>
  fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: user }] }),
  });

async function withServer<T>(server: FakeLlmServer, use: (server: FakeLlmServer) => Promise<T>): Promise<T> {
  try {
    return await use(server);
  } finally {
    await server.close();
  }
}

describe('fake model answers', () => {
  it.each([
    ['the JSON object in the prompt, re-serialized', 'Normaliza: { "1": { "nombres": "ANA" } } gracias', '{"1":{"nombres":"ANA"}}'],
    ['{} when the prompt has no JSON', 'hola', '{}'],
    ['{} when the braces do not hold JSON', 'a { b } c', '{}'],
  ])('echo answers %s', (_label, prompt, expected) => {
    expect(echoJsonAnswer(prompt, { system: '', modelId: 'm' })).toBe(expected);
  });

  it('hallucinate keeps the JSON shape and replaces every value', () => {
    const answer = hallucinateAnswer('{"1":{"nombres":"Ana","ciudad":"Cali"}}');
    const parsed = JSON.parse(answer) as Record<string, Record<string, string>>;
    expect(Object.keys(parsed['1'] ?? {})).toEqual(['nombres', 'ciudad']);
    expect(Object.values(parsed['1'] ?? {})).not.toContain('Ana');
    expect(Object.values(parsed['1'] ?? {})).not.toContain('Cali');
  });

  it('markdown wraps the answer in a json fence after prose; invalid-json does not parse', () => {
    expect(markdownAnswer('{"a":1}')).toMatch(/^[^`]+\n\n```json\n\{"a":1\}\n```\n$/);
    expect(() => JSON.parse(invalidJsonAnswer('{"a":1}'))).toThrow();
    expect(() => JSON.parse(invalidJsonAnswer('{}'))).toThrow();
  });
});

describe('fake servers on the wire', () => {
  it('a behaviour list is consumed one step per call, then afterScript applies', async () => {
    await withServer(await startFakeOpenAiServer(), async (server) => {
      server.setBehaviour(['throttle', 'auth-error'], 'server-error');
      const statuses = [];
      for (let call = 0; call < 4; call += 1) statuses.push((await chat(server)).status);
      expect(statuses).toEqual([429, 403, 500, 500]);
      expect(server.requests.map((received) => received.outcome)).toEqual(['throttle', 'auth-error', 'server-error', 'server-error']);
    });
  });

  it('answers chat.completion JSON with usage counted at ceil(chars / 4)', async () => {
    await withServer(await startFakeOpenAiServer(), async (server) => {
      const body = (await (await chat(server, '{"x":"yy"}')).json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        object: 'chat.completion',
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: '{"x":"yy"}' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
      });
    });
  });

  it('OpenAI errors carry {error: {message, type, code}} with the status', async () => {
    await withServer(await startFakeOpenAiServer({ behaviour: 'throttle' }), async (server) => {
      const response = await chat(server);
      expect(response.status).toBe(429);
      expect(await response.json()).toEqual({
        error: { message: expect.any(String), type: 'rate_limit_exceeded', code: 'rate_limit_exceeded' },
      });
    });
  });

  it('Bedrock errors carry the x-amzn-errortype header and a JSON message', async () => {
    await withServer(await startFakeBedrockServer({ behaviour: 'throttle' }), async (server) => {
      const response = await fetch(`${server.url}/model/m/converse`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(429);
      expect(response.headers.get('x-amzn-errortype')).toMatch(/^ThrottlingException:/);
      expect(await response.json()).toEqual({ message: expect.any(String) });
    });
  });

  it('unknown paths are 404 and consume no step', async () => {
    await withServer(await startFakeBedrockServer({ behaviour: ['throttle'] }), async (server) => {
      const response = await fetch(`${server.url}/model/m/invoke`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(404);
      expect(server.requests[0]?.outcome).toBe('not-found');
      const converse = await fetch(`${server.url}/model/m/converse`, { method: 'POST', body: '{}' });
      expect(converse.status).toBe(429);
    });
  });

  it('a rate limit throttles requests beyond N per second without consuming steps', async () => {
    await withServer(await startFakeOpenAiServer({ rateLimitPerSecond: 3 }), async (server) => {
      const statuses = await Promise.all(Array.from({ length: 5 }, () => chat(server).then((response) => response.status)));
      expect(statuses.filter((status) => status === 200)).toHaveLength(3);
      expect(statuses.filter((status) => status === 429)).toHaveLength(2);
      expect(server.requests.filter((received) => received.outcome === 'rate-limited')).toHaveLength(2);
    });
  });

  it('adds fixed latency ± jitter', async () => {
    await withServer(await startFakeOpenAiServer({ latency: { fixedMs: 60, jitterMs: 20 }, random: () => 0 }), async (server) => {
      const started = performance.now();
      await chat(server);
      // random() = 0 → 60 − 20 = 40 ms.
      expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    });
  });

  it('can count requests without keeping their bodies (for long benchmarks)', async () => {
    await withServer(await startFakeOpenAiServer({ recordRequests: false }), async (server) => {
      await chat(server);
      await chat(server);
      expect(server.requestCount).toBe(2);
      expect(server.requests).toHaveLength(0);
    });
  });

  it('close() ends held responses at once', async () => {
    const server = await startFakeOpenAiServer({ behaviour: 'timeout', timeoutHoldMs: 60_000 });
    const pending = chat(server).then(
      () => 'answered',
      () => 'dropped',
    );
    while (server.requestCount === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    await server.close();
    expect(await pending).toBe('dropped');
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

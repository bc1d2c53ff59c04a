import { ModelError, type ModelErrorName } from '#shared/errors/normflow-errors.ts';
import type { ModelClient, ModelRequest, ModelResponse } from '#shared/model/model-port.ts';

export type AskedValues = Record<string, Record<string, string>>;

/** An in-process model for engine tests: faults are scripted per call, answers computed from the asked values. */
export class ScriptedModelClient implements ModelClient {
  readonly provider = 'scripted';
  readonly endpoint = 'in-process';
  readonly modelId: string;
  readonly requests: ModelRequest[] = [];
  private readonly faults: Array<ModelErrorName | 'ok'>;
  private readonly answer: (asked: AskedValues) => string;

  constructor(options: { answer: (asked: AskedValues) => string; faults?: Array<ModelErrorName | 'ok'>; modelId?: string }) {
    this.answer = options.answer;
    this.faults = [...(options.faults ?? [])];
    this.modelId = options.modelId ?? 'scripted-model';
  }

  /** Values of the last request, keyed by record id then field. */
  asked(call = this.requests.length - 1): AskedValues {
    const request = this.requests[call];
    return request ? (JSON.parse(request.user) as AskedValues) : {};
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    const fault = this.faults.shift() ?? 'ok';
    if (fault !== 'ok') throw new ModelError(fault, `scripted ${fault}`);
    const text = this.answer(JSON.parse(request.user) as AskedValues);
    return {
      text,
      inputTokens: Math.ceil((request.system.length + request.user.length) / 4),
      outputTokens: Math.ceil(text.length / 4),
    };
  }
}

/** Answers every asked value with `replace(field, value)` (identity by default). */
export const answerEach =
  (replace: (field: string, value: string, recordId: string) => string | null = (_field, value) => value) =>
  (asked: AskedValues): string =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(asked).map(([id, fields]) => [
          id,
          Object.fromEntries(Object.entries(fields).map(([field, value]) => [field, replace(field, value, id)])),
        ]),
      ),
    );

import { expect } from 'vitest';
import { ModelError } from '#shared/errors/normflow-errors.ts';

/** The ModelError a call fails with; the test fails if the call succeeds or throws anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  }
  throw new Error('expected the call to fail');
}

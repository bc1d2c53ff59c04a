import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { PayloadError } from '#shared/errors/normflow-errors.ts';
import { logger } from './observability.ts';

/**
 * A thin Task handler: the payload is parsed at the boundary (zod), the work is a function of
 * `shared/`, errors are thrown as they are (their `name` is what the state machine's Retry and
 * Catch match). The logger gets the Lambda context; it never sees payload values.
 */
export function taskHandler<Schema extends z.ZodType, Output>(
  schema: Schema,
  work: (input: z.output<Schema>, context: Context) => Promise<Output>,
) {
  return middy<unknown, Output, Error, Context>(async (event: unknown, context: Context) => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) {
      throw new PayloadError(`task payload: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    }
    return work(parsed.data, context);
  }).use(injectLambdaContext(logger, { resetKeys: true }));
}

/**
 * AWS list prices the benchmarks turn usage into dollars with: US East (N. Virginia), on-demand,
 * no free tier. Read from the public pricing pages (2025-11); they change, so check before quoting.
 */
export const AWS_LIST_PRICES = {
  region: 'us-east-1',
  asOf: '2025-11',
  /** https://aws.amazon.com/step-functions/pricing/ — Standard workflows. */
  stepFunctionsPerStateTransition: 0.025 / 1_000,
  /** https://aws.amazon.com/lambda/pricing/ — Arm (the functions run on arm64). */
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1_000_000,
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ — Standard table class, after the 2024-11-01 on-demand price cut. */
  dynamoDbPerWriteRequestUnit: 0.625 / 1_000_000,
  dynamoDbPerReadRequestUnit: 0.125 / 1_000_000,
} as const;

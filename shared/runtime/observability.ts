import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The one logger and metrics instance of every Lambda (and of the local runtime, which runs the
 * same handlers). Log ids, counts and field names only: never a record's values.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'normflow' });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'normflow',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'normflow',
});

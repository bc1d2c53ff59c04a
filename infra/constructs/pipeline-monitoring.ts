import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CONFIG_ID } from '#shared/pipeline/pipeline-types.ts';

/** Namespace and `service` dimension of the Report Lambda's EMF metrics (Powertools adds `service` by itself). */
export const METRICS_NAMESPACE = 'normflow';
export const SERVICE_NAME = 'normflow';

/** Powertools settings of every normflow Lambda. */
export const POWERTOOLS_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  POWERTOOLS_LOG_LEVEL: 'INFO',
} as const;

/** What the Report Lambda emits once per run (functions/report-run.ts). */
export const RUN_METRICS = [
  'LeadsProcessed',
  'FieldsNormalized',
  'NormalizationErrors',
  'Duration',
  'InputTokens',
  'OutputTokens',
  'EstimatedCostUSD',
  'CacheHits',
  'ModelCalls',
] as const;
/** What the InvokeModel Lambda emits per model call as it spends (functions/invoke-model.ts), failed calls included. */
export const BATCH_METRICS = ['BatchCostUSD', 'BatchInputTokens', 'BatchOutputTokens'] as const;
export type RunMetricName = (typeof RUN_METRICS)[number] | (typeof BATCH_METRICS)[number];

export const NORMALIZATION_ERRORS_THRESHOLD = 5;
/** A run taking longer than this share of the state machine's timeout is close to being cut off. */
export const DURATION_ALARM_SHARE = 0.8;

export function runMetric(metricName: RunMetricName, statistic: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME },
    statistic,
    period,
  });
}

interface AlarmNaming {
  readonly alarmName: string;
  readonly alarmDescription: string;
}

/** Any failed or timed-out execution of a state machine within 5 minutes. */
export function failedExecutionsAlarm(scope: Construct, id: string, props: AlarmNaming & { stateMachine: sfn.IStateMachine }): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmName: props.alarmName,
    alarmDescription: props.alarmDescription,
    metric: new cloudwatch.MathExpression({
      expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
      usingMetrics: {
        failed: props.stateMachine.metricFailed({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }),
        timedOut: props.stateMachine.metricTimedOut({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }),
      },
      label: 'Failed or timed-out executions',
      period: Duration.minutes(5),
    }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/** A schedule's dead-letter queue holding any message. */
export function deadLettersAlarm(scope: Construct, id: string, props: AlarmNaming & { queue: sqs.IQueue }): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmName: props.alarmName,
    alarmDescription: props.alarmDescription,
    metric: props.queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(5) }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

export interface PipelineMonitoringProps {
  readonly stage: string;
  readonly stateMachine: sfn.StateMachine;
  readonly timeoutSeconds: number;
  readonly dailyCostBudgetUSD: number;
  readonly alarmEmail?: string;
  /** Invoked by the cost alarm: sets `enabled = false` in the config table. */
  readonly killSwitch: lambda.IFunction;
  readonly scheduleDeadLetterQueue: sqs.IQueue;
  /** Task Lambdas, by function name, for the dashboard's error widget. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
}

/** Alarms to an SNS topic (optional e-mail), the cost kill switch, and the pipeline's dashboard. */
export class PipelineMonitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: {
    readonly normalizationErrors: cloudwatch.Alarm;
    readonly failedExecutions: cloudwatch.Alarm;
    readonly runDuration: cloudwatch.Alarm;
    readonly dailyCost: cloudwatch.Alarm;
    readonly scheduleDeadLetters: cloudwatch.Alarm;
  };
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const prefix = `normflow-${props.stage}`;

    this.topic = new sns.Topic(this, 'AlarmTopic', { displayName: `normflow ${props.stage} alarms`, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const notify = new actions.SnsAction(this.topic);

    const normalizationErrors = new cloudwatch.Alarm(this, 'NormalizationErrors', {
      alarmName: `${prefix}-normalization-errors`,
      alarmDescription: `More than ${NORMALIZATION_ERRORS_THRESHOLD} leads failed normalization within 1 hour (NormalizationErrors: leads of batches that failed after their retries). The run record in the runs table names the errors.`,
      metric: runMetric('NormalizationErrors', cloudwatch.Stats.SUM, Duration.hours(1)),
      threshold: NORMALIZATION_ERRORS_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const failedExecutions = failedExecutionsAlarm(this, 'FailedExecutions', {
      alarmName: `${prefix}-failed-executions`,
      alarmDescription: 'A normalize-leads execution failed or timed out. Open the execution in the Step Functions console to see the failing state.',
      stateMachine: props.stateMachine,
    });

    const durationThresholdMs = props.timeoutSeconds * 1000 * DURATION_ALARM_SHARE;
    const runDuration = new cloudwatch.Alarm(this, 'RunDuration', {
      alarmName: `${prefix}-run-duration`,
      alarmDescription: `A run took more than ${DURATION_ALARM_SHARE * 100}% of the state machine's ${props.timeoutSeconds} s timeout (${durationThresholdMs} ms): lower maxLeadsPerRun or raise maxConcurrency before runs start timing out.`,
      metric: runMetric('Duration', cloudwatch.Stats.MAXIMUM, Duration.hours(1)),
      threshold: durationThresholdMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const dailyCost = new cloudwatch.Alarm(this, 'DailyCost', {
      alarmName: `${prefix}-daily-cost`,
      alarmDescription:
        `Estimated model spend over the last day (BatchCostUSD, emitted by InvokeModel as each call is paid, failed calls and runs still going included, summed) is above the ${props.dailyCostBudgetUSD} USD budget. ` +
        `COST KILL SWITCH: this alarm also invokes a Lambda that sets enabled = false in the config table item "${CONFIG_ID}", ` +
        'so later runs stop at LoadConfig and read nothing. Set enabled back to true in that item to resume.',
      // In-flight spend, not the run totals Report emits at the end: a runaway or timed-out run is seen too.
      metric: runMetric('BatchCostUSD', cloudwatch.Stats.SUM, Duration.days(1)),
      threshold: props.dailyCostBudgetUSD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    dailyCost.addAlarmAction(new actions.LambdaAction(props.killSwitch));

    const scheduleDeadLetters = deadLettersAlarm(this, 'ScheduleDeadLetters', {
      alarmName: `${prefix}-schedule-dead-letters`,
      alarmDescription: 'The scheduler could not start the nightly execution after its retries; the event is in the dead-letter queue.',
      queue: props.scheduleDeadLetterQueue,
    });

    this.alarms = { normalizationErrors, failedExecutions, runDuration, dailyCost, scheduleDeadLetters };
    for (const alarm of Object.values(this.alarms)) alarm.addAlarmAction(notify);

    this.dashboard = this.buildDashboard(prefix, props);
  }

  private buildDashboard(name: string, props: PipelineMonitoringProps): cloudwatch.Dashboard {
    const day = Duration.days(1);
    const sum = (metric: RunMetricName) => runMetric(metric, cloudwatch.Stats.SUM, day);
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: name, defaultInterval: Duration.days(14) });
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24, height: 3 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Leads per day',
        left: [sum('LeadsProcessed'), sum('FieldsNormalized'), sum('NormalizationErrors'), sum('CacheHits')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Executions per day',
        left: [
          props.stateMachine.metricStarted({ period: day }),
          props.stateMachine.metricSucceeded({ period: day }),
          props.stateMachine.metricFailed({ period: day }),
          props.stateMachine.metricTimedOut({ period: day }),
        ],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Model usage per day',
        left: [sum('ModelCalls'), sum('InputTokens'), sum('OutputTokens')],
        right: [sum('EstimatedCostUSD'), sum('BatchCostUSD')],
        rightAnnotations: [{ value: props.dailyCostBudgetUSD, label: 'daily budget (kill switch)' }],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Run duration (ms)',
        left: [runMetric('Duration', cloudwatch.Stats.MAXIMUM, day)],
        leftAnnotations: [{ value: props.timeoutSeconds * 1000 * DURATION_ALARM_SHARE, label: `${DURATION_ALARM_SHARE * 100}% of the timeout` }],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: Object.entries(props.functions).map(([functionName, fn]) =>
          fn.metricErrors({ period: Duration.hours(1), label: functionName }),
        ),
        width: 24,
      }),
    );
    return dashboard;
  }
}

import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Where the Athena workgroup writes query results, and how long they are kept. */
export const ATHENA_RESULTS_PREFIX = 'athena-results/';
const ATHENA_RESULTS_RETENTION_DAYS = 30;
/** Parts of a multipart upload a Lambda left behind when it timed out mid-upload. */
const INCOMPLETE_UPLOAD_DAYS = 1;

/** The cdk-nag finding a grant on `<bucket ARN>/<key pattern with *>` raises, as acknowledgements name it. */
export function bucketWildcardFinding(bucket: s3.IBucket, keyPattern: string): string {
  const logicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${keyPattern}]`;
}

export interface AnalyticsBucketProps {
  /** The data prefixes (export, token costs), each expired after `retentionDays`. */
  readonly dataPrefixes: readonly string[];
  readonly retentionDays: number;
}

/**
 * The analytics bucket: S3-managed encryption, no public access, TLS only, kept (RETAIN) when the
 * stack is deleted, unversioned, with lifecycle expiry per prefix and server access logs to a
 * second bucket kept as long as the data they describe.
 *
 * S3-managed keys (SSE-S3), not KMS: every reader (the Lambdas, the crawlers, Athena and the people
 * who query it) is already limited by IAM to its own prefixes of this private, TLS-only bucket; a
 * customer-managed key would add a key policy and a grant to each of them, and a KMS request per
 * object read or written, for no reader it would keep out. The access-log bucket must be SSE-S3
 * anyway: S3 server access logging cannot deliver to a bucket encrypted with KMS.
 * Unversioned: every object is derived and rebuilt by the pipelines (exports are daily snapshots of
 * the source tables, a token-cost day is rewritten whole), so old versions would only keep personal
 * data past its expiry and double the storage of rewritten partitions.
 */
export class AnalyticsBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: AnalyticsBucketProps) {
    super(scope, id);
    for (const prefix of props.dataPrefixes) {
      if (prefix === '' || prefix.startsWith(ATHENA_RESULTS_PREFIX) || ATHENA_RESULTS_PREFIX.startsWith(prefix)) {
        throw new Error(`analytics prefix "${prefix}": must be a folder of its own, apart from ${ATHENA_RESULTS_PREFIX} (its lifecycle expires the objects below it)`);
      }
    }
    const common = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      removalPolicy: RemovalPolicy.RETAIN,
    } as const;

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.retentionDays) }],
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...common,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'analytics-bucket/',
      lifecycleRules: [
        ...props.dataPrefixes.map((prefix) => ({
          id: `expire-${prefix.replace(/\/$/, '').replace(/[^A-Za-z0-9-]/g, '-')}`,
          prefix,
          expiration: Duration.days(props.retentionDays),
        })),
        { id: 'expire-athena-results', prefix: ATHENA_RESULTS_PREFIX, expiration: Duration.days(ATHENA_RESULTS_RETENTION_DAYS) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(INCOMPLETE_UPLOAD_DAYS) },
      ],
    });
  }
}

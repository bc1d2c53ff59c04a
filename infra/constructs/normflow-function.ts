import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, type Size } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { TableLogicalName } from '#shared/stores/table-definitions.ts';
import type { AnalyticsFunctionName } from './analytics-function-access.ts';
import { FUNCTION_ACCESS, type FunctionAccess, type FunctionName } from './function-access.ts';
import { acknowledgeNagFinding } from './nag-acknowledgement.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every handler file deployed as a Lambda: the normalize-leads pipeline's and the analytics ones. */
export type HandlerName = FunctionName | AnalyticsFunctionName;

/** Source file of a handler: exactly the modules the local runtime imports (`#functions/<name>.ts`). */
export const handlerEntry = (name: HandlerName): string => fileURLToPath(new URL(`../../functions/${name}.ts`, import.meta.url));

/**
 * How every handler is bundled: local esbuild (no Docker), ESM for Node.js 22, everything bundled
 * (the AWS SDK too, so Lambda runs the versions the tests ran) including the DIVIPOLA JSON data.
 * esbuild resolves the `#shared/…` subpath imports and the `.ts` extensions itself.
 */
export const BUNDLING: nodejs.BundlingOptions = {
  forceDockerBundling: false,
  format: nodejs.OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  externalModules: [],
  minify: true,
  sourceMap: true,
  // Some bundled CommonJS dependencies call require() on Node built-ins, which ESM lacks.
  banner: "import { createRequire as __normflowCreateRequire } from 'node:module'; const require = __normflowCreateRequire(import.meta.url);",
};

export const LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

export interface NormflowFunctionProps<Name extends HandlerName = HandlerName> {
  readonly name: Name;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** /tmp size, for handlers that stage files there (Lambda's default is 512 MB). */
  readonly ephemeralStorageSize?: Size;
  readonly environment: Record<string, string>;
  /** The pipeline tables; required by a function FUNCTION_ACCESS gives table actions. */
  readonly tables?: Readonly<Record<TableLogicalName, dynamodb.ITable>>;
  /** Resources `bedrock:InvokeModel` is allowed on; required when the function invokes the model. */
  readonly modelGrant?: ModelGrant;
  /** Grants of a function outside FUNCTION_ACCESS (the analytics Lambdas). */
  readonly grants?: FunctionGrants;
}

export interface ModelGrant {
  readonly statements: readonly iam.PolicyStatement[];
  /** cdk-nag findings the statements raise, each with its reason. */
  readonly acknowledgements: ReadonlyArray<{ finding: string; reason: string }>;
}

export interface FunctionGrants extends ModelGrant {
  /** What the statements allow, for the role's description. */
  readonly description: string;
}

/**
 * One normflow Lambda: its handler file bundled, Node.js 22 on arm64, X-Ray tracing, its own log
 * group with retention, and a role that allows exactly the calls FUNCTION_ACCESS lists (or, for an
 * analytics Lambda, the grants it is given).
 */
export class NormflowFunction<Name extends HandlerName = HandlerName> extends Construct {
  readonly name: Name;
  /** The handler file bundled into the function. */
  readonly entry: string;
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NormflowFunctionProps<Name>) {
    super(scope, id);
    const access: FunctionAccess = props.name in FUNCTION_ACCESS ? FUNCTION_ACCESS[props.name as FunctionName] : { tables: {} };
    this.name = props.name;
    this.entry = handlerEntry(props.name);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `normflow ${props.name}: ${props.grants?.description ?? describeAccess(access)}`,
    });
    // The managed AWSLambdaBasicExecutionRole would allow writing to every log group; this is the function's own.
    this.logGroup.grantWrite(this.role);
    for (const [logicalName, actions] of Object.entries(access.tables) as Array<[TableLogicalName, readonly string[]]>) {
      const table = props.tables?.[logicalName];
      if (!table) throw new Error(`${props.name} uses the ${logicalName} table: pass tables`);
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [table.tableArn] }));
    }
    for (const [logicalName, indexes] of Object.entries(access.indexes ?? {}) as Array<[TableLogicalName, Record<string, readonly string[]>]>) {
      const table = props.tables?.[logicalName];
      if (!table) throw new Error(`${props.name} uses the ${logicalName} table: pass tables`);
      for (const [indexName, actions] of Object.entries(indexes)) {
        this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [`${table.tableArn}/index/${indexName}`] }));
      }
    }
    for (const statement of props.grants?.statements ?? []) this.role.addToPrincipalPolicy(statement);
    for (const { finding, reason } of props.grants?.acknowledgements ?? []) acknowledgeNagFinding(this.role, finding, reason);
    if (access.invokesModel) {
      if (!props.modelGrant) throw new Error(`${props.name} invokes the model: pass modelGrant`);
      for (const statement of props.modelGrant.statements) this.role.addToPrincipalPolicy(statement);
      for (const { finding, reason } of props.modelGrant.acknowledgements) acknowledgeNagFinding(this.role, finding, reason);
    }

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: this.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      ...(props.ephemeralStorageSize ? { ephemeralStorageSize: props.ephemeralStorageSize } : {}),
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      bundling: BUNDLING,
    });

    acknowledgeNagFinding(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing (Tracing.ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so they need Resource "*".',
    );
    acknowledgeNagFinding(
      this.function,
      'AwsSolutions-L1',
      'Node.js 22 is deliberate: the project builds and tests on Node 22 (its `node` devDependency), so Lambda runs what the tests ran.',
    );
  }
}

function describeAccess(access: FunctionAccess): string {
  const tables = Object.keys(access.tables);
  return `${tables.join(', ')} table${tables.length === 1 ? '' : 's'}${access.invokesModel ? ' and the model' : ''}`;
}

/** A geographic or global cross-region inference profile id, e.g. `us.anthropic.claude-3-5-haiku-20241022-v1:0`. */
const INFERENCE_PROFILE_PREFIX = /^(us|us-gov|eu|apac|jp|au|ca|global)\./;

/**
 * `bedrock:InvokeModel` (Converse needs it) on the configured model only. A plain model id is a
 * foundation model in the stack's region. An inference profile routes to the same model in several
 * regions, so the foundation model is allowed in any region but only when called through that profile.
 */
export function modelGrantFor(scope: Construct, modelId: string): ModelGrant {
  const { partition, region, account } = Stack.of(scope);
  const profile = INFERENCE_PROFILE_PREFIX.exec(modelId);
  if (!profile) {
    return {
      statements: [
        new iam.PolicyStatement({
          actions: ['bedrock:InvokeModel'],
          resources: [`arn:${partition}:bedrock:${region}::foundation-model/${modelId}`],
        }),
      ],
      acknowledgements: [],
    };
  }
  const profileArn = `arn:${partition}:bedrock:${region}:${account}:inference-profile/${modelId}`;
  const foundationModel = modelId.slice(profile[0].length);
  const anyRegionModelArn = `arn:${partition}:bedrock:*::foundation-model/${foundationModel}`;
  return {
    statements: [
      new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [profileArn] }),
      new iam.PolicyStatement({
        actions: ['bedrock:InvokeModel'],
        resources: [anyRegionModelArn],
        conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
      }),
    ],
    acknowledgements: [
      {
        finding: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${foundationModel}]`,
        reason: `The inference profile ${modelId} serves ${foundationModel} from several regions; the any-region grant holds only through that profile (condition bedrock:InferenceProfileArn).`,
      },
    ],
  };
}

import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag AwsSolutions finding (`AwsSolutions-IAM5[Resource::*]`, …) on a construct
 * and its children. The reason says why this resource cannot or need not comply: the tests require one.
 */
export function acknowledgeNagFinding(scope: IConstruct, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${finding}`, reason });
}

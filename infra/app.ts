import { App } from 'aws-cdk-lib';
import { deploymentParametersFrom } from './deployment-parameters.ts';
import { addNormflowStacks } from './normflow-app.ts';

// Environment-agnostic: the stacks deploy to the account and region of the CLI's credentials.
const app = new App();
addNormflowStacks(app, deploymentParametersFrom((name) => app.node.tryGetContext(name)));

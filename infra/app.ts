import { App } from 'aws-cdk-lib';
import { deploymentParametersFrom } from './deployment-parameters.ts';
import { addNormflowStack } from './normflow-app.ts';

// Environment-agnostic: the stack deploys to the account and region of the CLI's credentials.
const app = new App();
addNormflowStack(app, deploymentParametersFrom((name) => app.node.tryGetContext(name)));

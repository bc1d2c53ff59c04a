#!/usr/bin/env node
// Runs the TypeScript CLI directly: the same sources the tests and the Lambda bundles use.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');

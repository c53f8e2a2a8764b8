import { App } from 'aws-cdk-lib';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameseekStack } from '#infra/aws/stack';

const app = new App();
const stageContext: unknown = app.node.tryGetContext('stage');
const stage = typeof stageContext === 'string' ? stageContext : 'dev';

new FrameseekStack(app, `Frameseek-${stage}`, {
  stage,
  projectRoot: resolve(fileURLToPath(import.meta.url), '../../..'),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

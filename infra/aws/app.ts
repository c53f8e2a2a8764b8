import { App } from 'aws-cdk-lib';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameseekStack } from '#infra/aws/stack';
import { FrameseekConsoleStack } from '#infra/aws/console-stack';

const app = new App();
const stageContext: unknown = app.node.tryGetContext('stage');
const stage = typeof stageContext === 'string' ? stageContext : 'dev';

const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
const api = new FrameseekStack(app, `Frameseek-${stage}`, {
  stage,
  projectRoot: resolve(fileURLToPath(import.meta.url), '../../..'),
  env,
});
// The web console and the API under one CloudFront distribution (its URL is the stack's ConsoleUrl output).
new FrameseekConsoleStack(app, `FrameseekConsole-${stage}`, { stage, apiEndpoint: api.api.httpApi.apiEndpoint, env });

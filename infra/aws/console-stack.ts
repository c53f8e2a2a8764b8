import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Console } from '#infra/aws/constructs/console';

export interface FrameseekConsoleStackProps extends StackProps {
  readonly stage: string;
  /** The API stack's HTTP API endpoint (FrameseekStack.api.httpApi.apiEndpoint). */
  readonly apiEndpoint: string;
}

/**
 * The web console beside the API stack: its own stack, so it deploys (and is torn down) without
 * touching the API's; CloudFront serves both under one address (ConsoleUrl).
 */
export class FrameseekConsoleStack extends Stack {
  readonly console: Console;

  constructor(scope: Construct, id: string, props: FrameseekConsoleStackProps) {
    super(scope, id, props);
    this.console = new Console(this, 'Console', { apiEndpoint: props.apiEndpoint, retainOnDelete: props.stage === 'prod' });
    new CfnOutput(this, 'ConsoleUrl', { value: `https://${this.console.distribution.distributionDomainName}` });
  }
}

import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { routes, fallbackRoute } from '#functions/routes';
import type { RouteDefinition } from '#lib/http/route';
import { Data } from '#infra/aws/constructs/data';
import { Api } from '#infra/aws/constructs/api';

export interface FrameseekStackProps extends StackProps {
  readonly stage: string;
  readonly projectRoot: string;
}

/** Frameseek in AWS, assembled from domain constructs; routes come from the route table. */
export class FrameseekStack extends Stack {
  readonly data: Data;
  readonly api: Api;

  constructor(scope: Construct, id: string, props: FrameseekStackProps) {
    super(scope, id, props);
    this.data = new Data(this, 'Data', { retainOnDelete: props.stage === 'prod' });
    this.api = new Api(this, 'Api', {
      projectRoot: props.projectRoot,
      routes: Object.values(routes) as RouteDefinition[],
      fallback: fallbackRoute,
      table: this.data.table,
      stage: props.stage,
      environment: {
        FRAMESEEK_STAGE: props.stage,
        FRAMESEEK_TABLE_NAME: this.data.table.tableName,
      },
    });
  }
}

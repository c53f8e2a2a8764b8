import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FrameseekStack } from '#infra/aws/stack';
import { PROJECT_ROOT } from '#infra/local/runtime';
import { routes } from '#functions/routes';

let template: Template;
const routeList = Object.values(routes);

beforeAll(() => {
  // Bundling is exercised by `npx cdk synth` and the bundle benchmark; here only the template matters.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new FrameseekStack(app, 'Test', { stage: 'test', projectRoot: PROJECT_ROOT });
  template = Template.fromStack(stack);
});

describe('the CDK stack', () => {
  it('has one arm64 Node.js 22 function per route of the route table, plus the catch-all', () => {
    template.resourceCountIs('AWS::Lambda::Function', routeList.length + 1);
    template.allResourcesProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
  });

  it('routes every method and path of the table, and sends the rest to the catch-all', () => {
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((resource) => resource.Properties.RouteKey);

    expect(routeKeys.sort()).toEqual([...routeList.map((route) => `${route.method} ${route.path}`), '$default'].sort());
  });

  it('creates the single table with its keys, GSI1, TTL and point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'GSI1',
          KeySchema: [
            { AttributeName: 'GSI1PK', KeyType: 'HASH' },
            { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
          ],
        }),
      ],
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('gives table access only to functions that need it', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const rolesWithTableAccess = policies
      .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes('dynamodb:'))
      .flatMap((policy) => policy.Properties.Roles.map((role: { Ref: string }) => role.Ref));

    const dataRoutes = routeList.filter((route) => route.auth !== 'none' || route.method !== 'GET');
    expect(rolesWithTableAccess).toHaveLength(dataRoutes.length);
    expect(rolesWithTableAccess.some((role: string) => role.startsWith('ApihealthFunction'))).toBe(false);
    expect(rolesWithTableAccess.some((role: string) => role.startsWith('ApinotFoundFunction'))).toBe(false);
  });

  it('tells every function its table and stage', () => {
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ FRAMESEEK_STAGE: 'test', FRAMESEEK_TABLE_NAME: Match.anyValue() }) },
    });
  });
});

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FrameseekConsoleStack } from '#infra/aws/console-stack';
import { API_PATHS } from '#infra/aws/constructs/console';
import { PAGE_PATHS } from '#infra/console-build';

const API_ENDPOINT = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

interface Resource {
  Properties: Record<string, unknown>;
}

let app: App;
let template: Template;

beforeAll(() => {
  // Bundling on (unlike the API stack's test): the console builds locally with esbuild in well under a second.
  app = new App({ outdir: join(process.env.TMPDIR ?? '.', 'cdk.out') });
  template = Template.fromStack(new FrameseekConsoleStack(app, 'ConsoleTest', { stage: 'test', apiEndpoint: API_ENDPOINT }));
});

function distributionConfig(): Record<string, unknown> {
  const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution') as Record<string, Resource>);
  return (distribution?.Properties.DistributionConfig ?? {}) as Record<string, unknown>;
}

describe('the console stack', () => {
  it('keeps the console bucket private and encrypted, readable only by its distribution through origin access control', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      WebsiteConfiguration: Match.absent(),
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 's3:GetObject', Principal: { Service: 'cloudfront.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('serves index.html at the root over HTTPS, and the API, its docs and MCP from the same distribution, uncached with Authorization forwarded', () => {
    const config = distributionConfig();
    const behaviors = config.CacheBehaviors as Array<Record<string, unknown>>;

    expect(config).toMatchObject({ DefaultRootObject: 'index.html', DefaultCacheBehavior: { ViewerProtocolPolicy: 'redirect-to-https' } });
    expect(behaviors.map((behavior) => behavior.PathPattern)).toEqual([...API_PATHS]);
    for (const behavior of behaviors) {
      expect(behavior).toMatchObject({ ViewerProtocolPolicy: 'https-only', AllowedMethods: expect.arrayContaining(['POST', 'PUT', 'PATCH', 'DELETE']) });
      expect(behavior.TargetOriginId).toBe(behaviors[0]?.TargetOriginId);
    }
    const apiOrigin = (config.Origins as Array<Record<string, unknown>>).find((origin) => origin.Id === behaviors[0]?.TargetOriginId);
    expect(apiOrigin).toMatchObject({ CustomOriginConfig: { OriginProtocolPolicy: 'https-only' } });
    expect(apiOrigin?.DomainName).toBe(new URL(API_ENDPOINT).host);
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 0,
        MinTTL: 0,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({ HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] } }),
      }),
    });
  });

  it("answers the page's other addresses (Stripe Checkout's way back to /billing) with index.html", () => {
    const association = (distributionConfig().DefaultCacheBehavior as { FunctionAssociations: Array<Record<string, unknown>> }).FunctionAssociations;
    const [fn] = Object.values(template.findResources('AWS::CloudFront::Function') as Record<string, Resource>);

    expect(association).toEqual([expect.objectContaining({ EventType: 'viewer-request' })]);
    expect(fn?.Properties.FunctionCode).toContain(JSON.stringify(PAGE_PATHS));
    expect(PAGE_PATHS).toContain('/billing');
  });

  it('deploys the built console into the bucket and invalidates the distribution', () => {
    const assembly = app.synth();
    const built = readdirSync(assembly.directory)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(assembly.directory, name))
      .find((path) => existsSync(join(path, 'index.html')));

    template.hasResourceProperties('Custom::CDKBucketDeployment', { DistributionPaths: ['/*'], Prune: true });
    expect(built && readdirSync(built).sort()).toEqual(['app.css', 'app.js', 'index.html']);
  });
});

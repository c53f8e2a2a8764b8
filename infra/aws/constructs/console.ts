import { DockerImage, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CacheQueryStringBehavior,
  Distribution,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { PAGE_PATHS, WEB_ROOT, writeConsole } from '#infra/console-build';

export interface ConsoleProps {
  /** The HTTP API's endpoint (`https://<id>.execute-api.<region>.amazonaws.com`): served under the same distribution. */
  readonly apiEndpoint: string;
  readonly retainOnDelete: boolean;
}

/** Paths CloudFront passes to the API instead of the bucket: the API itself, its docs page, the MCP server. */
export const API_PATHS = ['/v1/*', '/docs', '/docs/*', '/mcp'] as const;

/**
 * The web console in AWS: its built files in a private bucket that only this CloudFront distribution
 * reads (origin access control), and the API under the same distribution, so the console calls it on
 * its own origin (no CORS). API answers are never cached: the session token is part of the key and
 * nothing is kept.
 */
export class Console extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      removalPolicy: props.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !props.retainOnDelete,
    });
    // CloudFront forwards Authorization only when it is part of the cache key; with no TTL nothing is kept.
    const apiCachePolicy = new CachePolicy(this, 'ApiCachePolicy', {
      comment: 'Frameseek API: nothing cached, Authorization forwarded',
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: CacheQueryStringBehavior.all(),
      cookieBehavior: CacheCookieBehavior.none(),
    });
    const api: BehaviorOptions = {
      origin: new HttpOrigin(Fn.select(2, Fn.split('/', props.apiEndpoint)), { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: apiCachePolicy,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    // The page's other addresses (Stripe Checkout's way back) are the page itself.
    const pages = new CloudFrontFunction(this, 'PagePaths', {
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Frameseek console: its page addresses answer index.html',
      code: FunctionCode.fromInline(
        `function handler(event) { var request = event.request; if (${JSON.stringify(PAGE_PATHS)}.indexOf(request.uri) >= 0) request.uri = '/index.html'; return request; }`,
      ),
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Frameseek console and API',
      defaultRootObject: 'index.html',
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        functionAssociations: [{ function: pages, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: Object.fromEntries(API_PATHS.map((path) => [path, api])),
    });
    new BucketDeployment(this, 'Files', {
      // Built on this machine by the same recipe as `npm start` and `npm run web:build` (esbuild, no Docker).
      sources: [
        Source.asset(WEB_ROOT, {
          exclude: ['dist'],
          bundling: {
            image: DockerImage.fromRegistry('node:22-alpine'),
            local: {
              tryBundle(outputDir: string) {
                writeConsole(outputDir);
                return true;
              },
            },
          },
        }),
      ],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      prune: true,
    });
  }
}

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, EventType, HttpMethods } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';

export interface MediaProps {
  readonly retainOnDelete: boolean;
}

/** Where every video's objects live (lib/storage/layout.ts); ingest ignores keys that are not a source. */
const INGESTED_PREFIX = 'videos/';

/**
 * The private media bucket. Browsers put bytes straight into it over presigned URLs, so it speaks
 * CORS; nothing in it is ever public.
 */
export class Media extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: MediaProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      versioned: false,
      cors: [
        {
          allowedMethods: [HttpMethods.PUT, HttpMethods.GET, HttpMethods.HEAD],
          // Presigned URLs are the access control; the origin of the browser holding one does not matter.
          allowedOrigins: ['*'],
          allowedHeaders: ['*'],
          // A browser completing a multipart upload must read each part's ETag.
          exposedHeaders: ['ETag'],
        },
      ],
      lifecycleRules: [
        // Abandoned multipart uploads keep billing for their parts until aborted.
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(2) },
      ],
      removalPolicy: props.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      // CloudFormation cannot delete a bucket that still holds objects.
      autoDeleteObjects: !props.retainOnDelete,
    });
  }

  /** Every video stored (single PUT, completed multipart, or direct upload) starts ingest. */
  ingestNewVideosWith(ingest: IFunction): void {
    this.bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(ingest), { prefix: INGESTED_PREFIX });
  }
}

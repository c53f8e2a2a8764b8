import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Config } from '#lib/config';

export type EmbedderKind = Config['FRAMESEEK_EMBEDDER'];

/** Every embedder lib/config accepts (the `satisfies` fails to compile when one is added there and not here). */
const EMBEDDER_KINDS = { 'frame-descriptor': true, 'clip-onnx': true, bedrock: true } as const satisfies Record<EmbedderKind, true>;

export function isEmbedderKind(value: unknown): value is EmbedderKind {
  return typeof value === 'string' && Object.hasOwn(EMBEDDER_KINDS, value);
}

/** Design §5: Amazon Bedrock's multimodal embeddings are the default in AWS (no model files to ship). */
export const DEFAULT_AWS_EMBEDDER: EmbedderKind = 'bedrock';

/** Titan Multimodal Embeddings G1: frames and query text into one space (lib/ml/embedders/bedrock.ts). */
export const BEDROCK_EMBEDDING_MODEL_ID = 'amazon.titan-embed-image-v1';

/** The search index's objects live in the media bucket under this prefix. */
export const INDEX_PREFIX = 'index';

export interface SearchIndexProps {
  readonly bucket: IBucket;
  readonly retainOnDelete: boolean;
  readonly embedder: EmbedderKind;
}

/**
 * The search index (design §4): LanceDB tables in the media bucket under `index/`, written by the index
 * worker and read by search, plus the embedding model both sides must share.
 *
 * Parallel chunk workers commit to the same tables. LanceDB's `s3+ddb://` scheme keeps each table's
 * version history in a DynamoDB table (partition key `base_uri`, sort key `version`), so two writers
 * can never both claim a version, whatever the object store's own guarantees.
 */
export class SearchIndex extends Construct {
  readonly commitTable: Table;
  /** FRAMESEEK_INDEX_URI: `s3+ddb://<bucket>/index?ddbTableName=<commit table>`. */
  readonly uri: string;
  readonly embedder: EmbedderKind;
  /** What every function is told about the index and its embedder, so that writers and readers agree. */
  readonly environment: Readonly<Record<string, string>>;
  private readonly bucket: IBucket;

  constructor(scope: Construct, id: string, props: SearchIndexProps) {
    super(scope, id);
    this.bucket = props.bucket;
    this.embedder = props.embedder;
    this.commitTable = new Table(this, 'CommitTable', {
      partitionKey: { name: 'base_uri', type: AttributeType.STRING },
      sortKey: { name: 'version', type: AttributeType.NUMBER },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // The table points at each index table's current version: losing it strands the objects in the bucket.
      removalPolicy: props.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.uri = `s3+ddb://${props.bucket.bucketName}/${INDEX_PREFIX}?ddbTableName=${this.commitTable.tableName}`;
    this.environment = {
      FRAMESEEK_INDEX_URI: this.uri,
      FRAMESEEK_EMBEDDER: props.embedder,
      FRAMESEEK_BEDROCK_MODEL_ID: BEDROCK_EMBEDDING_MODEL_ID,
    };
  }

  /** The index worker: writes and compacts the tables (read/write includes delete), and embeds frames. */
  grantReadWrite(grantee: IGrantable): void {
    this.bucket.grantReadWrite(grantee, `${INDEX_PREFIX}/*`);
    this.commitTable.grantReadWriteData(grantee);
    this.grantEmbedding(grantee);
  }

  /** Search and the other index readers: read the tables, and embed query text. */
  grantRead(grantee: IGrantable): void {
    this.bucket.grantRead(grantee, `${INDEX_PREFIX}/*`);
    this.commitTable.grantReadData(grantee);
    this.grantEmbedding(grantee);
  }

  /** Only Bedrock is a service to be allowed; the other embedders run inside the function. */
  private grantEmbedding(grantee: IGrantable): void {
    if (this.embedder !== 'bedrock') return;
    Grant.addToPrincipal({ grantee, actions: ['bedrock:InvokeModel'], resourceArns: [this.bedrockModelArn()] });
  }

  private bedrockModelArn(): string {
    // Foundation models belong to no account: arn:aws:bedrock:<region>::foundation-model/<model id>.
    return Stack.of(this).formatArn({
      service: 'bedrock',
      account: '',
      resource: 'foundation-model',
      resourceName: BEDROCK_EMBEDDING_MODEL_ID,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }
}

import { Duration } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Architecture, DockerImageCode, DockerImageFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { BackgroundFunctionEntry } from '#infra/aws/constructs/bundled-function';

export interface WorkerFunctionProps {
  readonly projectRoot: string;
  readonly entry: BackgroundFunctionEntry;
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * A background function that needs system engines (ffprobe, later ffmpeg and the models): a
 * container image built from infra/aws/worker/Dockerfile, arm64 like every other function
 * (Debian ships ffmpeg for arm64). The image is built at deploy time, never at synth.
 */
export class WorkerFunction extends DockerImageFunction {
  constructor(scope: Construct, id: string, props: WorkerFunctionProps) {
    super(scope, id, {
      code: DockerImageCode.fromImageAsset(props.projectRoot, {
        file: 'infra/aws/worker/Dockerfile',
        buildArgs: { HANDLER_ENTRY: props.entry.entry },
        platform: Platform.LINUX_ARM64,
        exclude: ['node_modules', 'cdk.out', '.frameseek', '.git', 'test', 'bench'],
      }),
      architecture: Architecture.ARM_64,
      memorySize: props.entry.memoryMb,
      timeout: Duration.seconds(props.entry.timeoutSecs),
      environment: { ...props.environment },
    });
  }
}

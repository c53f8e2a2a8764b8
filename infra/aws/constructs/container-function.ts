import { existsSync, statSync } from 'node:fs';
import { isAbsolute, normalize, resolve } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Architecture, DockerImageCode, DockerImageFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { FUNCTION_TRACING, functionLogGroup, OBSERVED_ENVIRONMENT } from '#infra/aws/constructs/observability';

/** What a container function runs: a handler module (relative to the project root) and its size. */
export interface ContainerEntry {
  readonly entry: string;
  readonly memoryMb: number;
  readonly timeoutSecs: number;
}

export interface ContainerFunctionProps {
  readonly projectRoot: string;
  readonly entry: ContainerEntry;
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Model files to bake into the image at /opt/models (FRAMESEEK_MODEL_DIR), as a folder inside the
   * project root; without it the image holds only the placeholder folder infra/aws/worker/models.
   */
  readonly modelDir?: string;
}

/** The Dockerfile every container function is built from; its build arguments pick the handler and the models. */
export const CONTAINER_DOCKERFILE = 'infra/aws/worker/Dockerfile';

/** Kept out of the build context: the image installs its own node_modules, and the rest is not code it runs. */
const CONTEXT_EXCLUDES = ['node_modules', 'cdk.out', '.frameseek', '.git', '.scratch', '.ci', 'test', 'bench'];

/**
 * The model folder as a build argument: a folder inside the project root that the build context keeps
 * (so not under .frameseek/, the local default). Throws at synth rather than fail the image build at deploy.
 */
export function modelDirBuildArg(projectRoot: string, modelDir: string): string {
  const relative = normalize(modelDir).replace(/\/+$/, '');
  const topFolder = relative.split('/')[0] ?? '';
  if (isAbsolute(relative) || relative.startsWith('..') || CONTEXT_EXCLUDES.includes(topFolder)) {
    throw new Error(`modelDir ${modelDir} must be a folder inside the project root, outside ${CONTEXT_EXCLUDES.join(', ')}`);
  }
  const folder = resolve(projectRoot, relative);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`modelDir ${modelDir} is not a folder (${folder})`);
  return relative;
}

/**
 * A function that needs system engines (ffmpeg, PocketSphinx, Tesseract) or native modules (LanceDB,
 * onnxruntime, sharp): a container image built from infra/aws/worker/Dockerfile, arm64 like every other
 * function (Debian and the three native packages all ship linux-arm64 builds; see the Dockerfile).
 * Synth only stages the build context; the image is built at deploy time.
 */
export class ContainerFunction extends DockerImageFunction {
  constructor(scope: Construct, id: string, props: ContainerFunctionProps) {
    super(scope, id, {
      code: DockerImageCode.fromImageAsset(props.projectRoot, {
        file: CONTAINER_DOCKERFILE,
        buildArgs: { HANDLER_ENTRY: props.entry.entry, ...(props.modelDir ? { MODEL_DIR: props.modelDir } : {}) },
        platform: Platform.LINUX_ARM64,
        exclude: CONTEXT_EXCLUDES,
      }),
      architecture: Architecture.ARM_64,
      memorySize: props.entry.memoryMb,
      timeout: Duration.seconds(props.entry.timeoutSecs),
      environment: { ...props.environment, ...OBSERVED_ENVIRONMENT },
      tracing: FUNCTION_TRACING,
      logGroup: functionLogGroup(scope),
    });
  }
}

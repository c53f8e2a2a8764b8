import { resolve } from 'node:path';
import { config } from '#lib/config';
import type { Embedder, TextReader, Transcriber } from '#lib/ml/types';
import { checkPocketSphinx, PocketSphinxTranscriber } from '#lib/ml/speech/pocketsphinx';
import { checkTesseract, TesseractReader } from '#lib/ml/ocr/tesseract';
import { RekognitionTextReader } from '#lib/ml/ocr/aws-rekognition';
import { AwsTranscribeTranscriber } from '#lib/ml/speech/aws-transcribe';
import { createEmbedder } from '#lib/ml/embedders/index';

/**
 * The engines this deployment indexes and searches with, chosen by config and built once per
 * process (a warm function keeps its model loaded). `none` turns a kind of content off.
 */
export interface Engines {
  transcriber: Transcriber | undefined;
  textReader: TextReader | undefined;
  embedder: Embedder;
}

let engines: Engines | undefined;

export function configuredEngines(): Engines {
  engines ??= {
    transcriber: configuredTranscriber(),
    textReader: configuredTextReader(),
    embedder: createEmbedder({
      kind: config.FRAMESEEK_EMBEDDER,
      modelDir: resolve(config.FRAMESEEK_MODEL_DIR),
      clipModel: config.FRAMESEEK_CLIP_MODEL,
      bedrockModelId: config.FRAMESEEK_BEDROCK_MODEL_ID,
      region: config.AWS_REGION,
      ...(config.FRAMESEEK_BEDROCK_ENDPOINT ? { bedrockEndpoint: config.FRAMESEEK_BEDROCK_ENDPOINT } : {}),
    }),
  };
  return engines;
}

function configuredTranscriber(): Transcriber | undefined {
  switch (config.FRAMESEEK_TRANSCRIBER) {
    case 'pocketsphinx':
      return new PocketSphinxTranscriber({ preset: config.FRAMESEEK_SPEECH_PRESET });
    case 'aws-transcribe':
      return new AwsTranscribeTranscriber({
        region: config.AWS_REGION,
        bucket: config.FRAMESEEK_MEDIA_BUCKET,
        ...(config.FRAMESEEK_TRANSCRIBE_ENDPOINT ? { endpoint: config.FRAMESEEK_TRANSCRIBE_ENDPOINT } : {}),
      });
    case 'none':
      return undefined;
  }
}

function configuredTextReader(): TextReader | undefined {
  switch (config.FRAMESEEK_TEXT_READER) {
    case 'tesseract':
      return new TesseractReader();
    case 'aws-rekognition':
      return new RekognitionTextReader({
        region: config.AWS_REGION,
        ...(config.FRAMESEEK_REKOGNITION_ENDPOINT ? { endpoint: config.FRAMESEEK_REKOGNITION_ENDPOINT } : {}),
      });
    case 'none':
      return undefined;
  }
}

/**
 * What the configured engines lack on this machine, each as a sentence saying how to fix it, so
 * `npm start` can say so at boot instead of a job failing later.
 */
export async function engineProblems(): Promise<string[]> {
  const problems: Array<string | undefined> = await Promise.all([
    config.FRAMESEEK_TRANSCRIBER === 'pocketsphinx' ? checkPocketSphinx() : undefined,
    config.FRAMESEEK_TEXT_READER === 'tesseract' ? checkTesseract() : undefined,
  ]);
  if (config.FRAMESEEK_EMBEDDER === 'clip-onnx') {
    try {
      void configuredEngines().embedder.id;
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  return problems.filter((problem): problem is string => problem !== undefined);
}

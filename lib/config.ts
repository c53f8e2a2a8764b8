import '#lib/aws-sdk-quiet';
import * as z from 'zod';

/**
 * Every setting of a running Frameseek, parsed once at cold start. A bad value stops the
 * process at start-up with the variable named, instead of failing later inside a request.
 */
const FAULT_NAMES = [
  'internal_error',
  'collection_sweep_interrupted',
  'account_sweep_interrupted',
  /** `indexing_stage:<stage>`: that stage of every index chunk throws (frames, speech, text, embedding, indexing). */
  'indexing_stage',
  /** The search index refuses every query (SEARCH_UNAVAILABLE). */
  'search_index_unavailable',
  /** The process stops right after a debit claimed an auto top-up, before handing the request to its charger. */
  'auto_topup_dispatch_lost',
  /** An outbox event's announcement to the webhook fan-out is lost (the sweep must fan it out). */
  'event_announcement_lost',
  /** The queue message of a delivery's first attempt is lost (the sweep must take it over). */
  'webhook_dispatch_lost',
  /** A fan-out too large for one transaction stops after writing its deliveries, before marking its event (the sweep must finish it). */
  'webhook_fan_out_interrupted',
  /** The process stops right after an upload's one transaction (hold, storage, records), before the client hears back. */
  'upload_interrupted',
  /** `ingest_interrupted:<video_id>`: ingest stops right after claiming the video, before checking its bytes. */
  'ingest_interrupted',
  /** A top-up stops right after its card was charged, before crediting or answering (a client's retry must not charge again). */
  'topup_answer_lost',
  /** A message that reached a dead-letter queue is lost before its handler runs (the daily sweep must find the job). */
  'dead_letter_lost',
  /** `framemap_compute:<account_id>`: the background frame map computation throws on every try (its last records the failure). */
  'framemap_compute',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

const commaList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

const faultSwitch = z
  .string()
  .transform((value) => {
    const [name, target] = value.split(':');
    return { name, target: target || undefined };
  })
  .pipe(z.object({ name: z.enum(FAULT_NAMES), target: z.string().or(z.undefined()) }));

/** Stands in for FRAMESEEK_CURSOR_SECRET outside prod (where it is refused). */
const DEVELOPMENT_CURSOR_SECRET = 'frameseek-development-cursor-secret-not-for-prod';

const configSchema = z
  .object({
    FRAMESEEK_STAGE: z.enum(['local', 'test', 'dev', 'prod']).default('local'),
    FRAMESEEK_VERSION: z.string().default('0.1.0'),
    FRAMESEEK_TABLE_NAME: z.string().min(3).default('frameseek'),
    FRAMESEEK_MEDIA_BUCKET: z.string().min(3).default('frameseek-media'),
    FRAMESEEK_DYNAMODB_ENDPOINT: z.url().optional(),
    FRAMESEEK_S3_ENDPOINT: z.url().optional(),
    AWS_REGION: z.string().default('us-east-1'),
    FRAMESEEK_DEFAULT_PLAN: z.enum(['free', 'payg', 'enterprise']).default('free'),
    FRAMESEEK_PLAN_OVERRIDES: z.string().optional(),
    FRAMESEEK_CORS_ORIGINS: z.string().default('*'),
    /** CloudWatch metrics as Embedded Metric Format lines on stdout (lib/metrics.ts): the CDK stack turns them on in AWS. */
    FRAMESEEK_METRICS: z.enum(['emf', 'off']).default('off'),
    /** Media tools: Debian's ffmpeg package (bin/system-packages.txt) unless pointed elsewhere. */
    FRAMESEEK_FFPROBE: z.string().default('ffprobe'),
    FRAMESEEK_FFMPEG: z.string().default('ffmpeg'),
    /** Uploads up to this size get one presigned PUT; larger ones a multipart upload. */
    FRAMESEEK_SINGLE_PUT_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(100 * 1000 * 1000),
    FRAMESEEK_MULTIPART_PART_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    /** How long presigned upload URLs and upload sessions live. */
    FRAMESEEK_UPLOAD_TTL_SECS: z.coerce
      .number()
      .int()
      .positive()
      .default(24 * 60 * 60),
    /** Videos are indexed in chunks of this many seconds, each one queue message. */
    FRAMESEEK_CHUNK_SECS: z.coerce.number().int().positive().default(300),
    /**
     * Outgoing-fetch guard exceptions, `host:port` pairs that may be reached although private
     * (tests' local file servers). Empty by default; refused in prod.
     */
    FRAMESEEK_URL_GUARD_ALLOW: commaList,
    /** The function that fetches source URLs in the background (AWS); unset locally, where it runs in-process. */
    FRAMESEEK_FETCH_FUNCTION_NAME: z.string().optional(),
    FRAMESEEK_DELETE_SWEEP_FUNCTION_NAME: z.string().optional(),
    /** SQS queue for index chunks; unset locally, where an in-process queue stands in. */
    FRAMESEEK_INDEX_QUEUE_URL: z.url().optional(),
    /** SQS queue of webhook deliveries (AWS); unset locally, where the sender runs in-process. */
    FRAMESEEK_WEBHOOK_QUEUE_URL: z.url().optional(),
    /**
     * The 256-bit key that seals webhook signing secrets (AES-256-GCM). Locally a file the runtime creates in
     * its data folder; in AWS a Secrets Manager secret (FRAMESEEK_WEBHOOK_KEY_SECRET_ARN) encrypted with the
     * stack's KMS key. One of the two is needed by whatever creates or sends webhooks.
     */
    FRAMESEEK_WEBHOOK_KEY_FILE: z.string().optional(),
    FRAMESEEK_WEBHOOK_KEY_SECRET_ARN: z.string().startsWith('arn:').optional(),
    /**
     * The HMAC key that signs list cursors (`meta.next_cursor`, lib/pagination.ts): every process of a
     * deployment must share it, or a cursor from one would fail in another. Required in prod; elsewhere a
     * fixed development key stands in (cursors signed with it are worth nothing outside this machine).
     */
    FRAMESEEK_CURSOR_SECRET: z.string().min(32, 'at least 32 characters').default(DEVELOPMENT_CURSOR_SECRET),
    /** Engines (lib/ml): what turns speech, on-screen text and pictures into searchable rows. */
    FRAMESEEK_TRANSCRIBER: z.enum(['pocketsphinx', 'aws-transcribe', 'none']).default('pocketsphinx'),
    /** PocketSphinx settings: `accurate` (its defaults) or `fast` (narrower beams; bench/ prints WER and time for both). */
    // Chosen on held-out and real speech (bench/quality.ts): `fast` dropped a real utterance and doubled WER there.
    FRAMESEEK_SPEECH_PRESET: z.enum(['accurate', 'fast']).default('accurate'),
    FRAMESEEK_TEXT_READER: z.enum(['tesseract', 'aws-rekognition', 'none']).default('tesseract'),
    FRAMESEEK_EMBEDDER: z.enum(['frame-descriptor', 'clip-onnx', 'bedrock']).default('frame-descriptor'),
    /** Where `clip-onnx` finds its exports (one folder per model, filled by `frameseek models pull`). */
    FRAMESEEK_MODEL_DIR: z.string().default('.frameseek/models'),
    FRAMESEEK_CLIP_MODEL: z.string().default('clip-vit-base-patch32'),
    FRAMESEEK_BEDROCK_MODEL_ID: z.string().default('amazon.titan-embed-image-v1'),
    /** Stand-in endpoint for Bedrock (tests); unset: the real service. Refused in prod. */
    FRAMESEEK_BEDROCK_ENDPOINT: z.url().optional(),
    /** Stand-in endpoints for Transcribe and Rekognition (tests); unset: the real services. Refused in prod. */
    FRAMESEEK_TRANSCRIBE_ENDPOINT: z.url().optional(),
    FRAMESEEK_REKOGNITION_ENDPOINT: z.url().optional(),
    /** The search index: a local directory, or `s3://bucket/prefix` in AWS. */
    FRAMESEEK_INDEX_URI: z.string().default('.frameseek/index'),
    /** Searches that read the index at once in one process; more wait their turn (lib/admission.ts). */
    FRAMESEEK_SEARCH_CONCURRENCY: z.coerce.number().int().positive().default(4),
    /** The longest a search waits for its turn before 503 SEARCH_UNAVAILABLE: well inside the index's 2 s read deadline. */
    FRAMESEEK_SEARCH_MAX_WAIT_MS: z.coerce.number().int().positive().default(1000),
    /**
     * scrypt's cost for new password hashes as log2 N (r = 8, p = 1). Unset: 17, OWASP's minimum (N = 2^17, 128 MiB).
     * The test stage sets it lower so sign-ups stay fast; refused in prod, where only the default runs.
     */
    FRAMESEEK_SCRYPT_LOG2_N: z.coerce.number().int().min(10).max(20).optional(),
    /**
     * Accounts with at most this many transcript and OCR rows are text-matched in memory
     * (lib/search/account-text.ts); larger ones by the index's full-text search. 0: always the index.
     */
    FRAMESEEK_TEXT_IN_MEMORY_MAX_ROWS: z.coerce.number().int().nonnegative().default(100_000),
    /** Fault switches for tests, `name` or `name:target` (e.g. internal_error:getAccount); refused in prod. */
    FRAMESEEK_FAULTS: commaList.pipe(z.array(faultSwitch)),
    /** Stripe secret key (sk_… or a restricted rk_…). Unset: nothing that talks to Stripe runs (BILLING_NOT_CONFIGURED). */
    FRAMESEEK_STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_/, 'must be a Stripe secret key (sk_… or rk_…)')
      .optional(),
    /** Signing secret of the Stripe webhook endpoint that posts to /v1/billing/stripe-webhook. */
    FRAMESEEK_STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_/, 'must be a Stripe webhook signing secret (whsec_…)')
      .optional(),
    /** Base URL of a Stripe stand-in (tests); unset: api.stripe.com. Refused in prod. */
    FRAMESEEK_STRIPE_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** In AWS: a Secrets Manager secret {"secret_key", "webhook_secret"} read once at cold start (empty values: billing off). */
    FRAMESEEK_STRIPE_SECRET_ARN: z.string().startsWith('arn:').optional(),
    /** Where people reach this deployment's console: Stripe Checkout returns them there. Needed once Stripe is configured. */
    FRAMESEEK_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  })
  .superRefine((env, context) => {
    if (env.FRAMESEEK_STAGE === 'prod' && env.FRAMESEEK_URL_GUARD_ALLOW.length > 0) {
      context.addIssue({ code: 'custom', path: ['FRAMESEEK_URL_GUARD_ALLOW'], message: 'URL guard exceptions are refused in the prod stage' });
    }
    if (env.FRAMESEEK_STAGE === 'prod' && env.FRAMESEEK_FAULTS.length > 0) {
      context.addIssue({ code: 'custom', path: ['FRAMESEEK_FAULTS'], message: 'fault switches are refused in the prod stage' });
    }
    if (env.FRAMESEEK_STAGE === 'prod' && env.FRAMESEEK_CURSOR_SECRET === DEVELOPMENT_CURSOR_SECRET) {
      context.addIssue({ code: 'custom', path: ['FRAMESEEK_CURSOR_SECRET'], message: 'set a secret of its own in the prod stage' });
    }
    if (env.FRAMESEEK_STAGE === 'prod' && env.FRAMESEEK_SCRYPT_LOG2_N !== undefined) {
      context.addIssue({ code: 'custom', path: ['FRAMESEEK_SCRYPT_LOG2_N'], message: 'a password-hash cost override is refused in the prod stage' });
    }
    for (const name of ['FRAMESEEK_BEDROCK_ENDPOINT', 'FRAMESEEK_TRANSCRIBE_ENDPOINT', 'FRAMESEEK_REKOGNITION_ENDPOINT'] as const) {
      if (env.FRAMESEEK_STAGE === 'prod' && env[name] !== undefined) {
        context.addIssue({ code: 'custom', path: [name], message: 'a stand-in endpoint is refused in the prod stage' });
      }
    }
    if (env.FRAMESEEK_STAGE === 'prod' && env.FRAMESEEK_STRIPE_API_URL !== undefined) {
      context.addIssue({ code: 'custom', path: ['FRAMESEEK_STRIPE_API_URL'], message: 'a Stripe stand-in is refused in the prod stage' });
    }
    // Half a Stripe setup would take money without crediting it (no webhook secret) or charge without knowing where to return people.
    if ((env.FRAMESEEK_STRIPE_SECRET_KEY === undefined) !== (env.FRAMESEEK_STRIPE_WEBHOOK_SECRET === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['FRAMESEEK_STRIPE_WEBHOOK_SECRET'],
        message: 'set FRAMESEEK_STRIPE_SECRET_KEY and FRAMESEEK_STRIPE_WEBHOOK_SECRET together, or neither',
      });
    }
    if (env.FRAMESEEK_STRIPE_SECRET_KEY !== undefined && env.FRAMESEEK_PUBLIC_URL === undefined) {
      context.addIssue({ code: 'custom', path: ['FRAMESEEK_PUBLIC_URL'], message: 'needed with Stripe keys: Checkout sends people back there' });
    }
  });

export type Config = z.infer<typeof configSchema>;

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid Frameseek configuration: ${problems}`);
  }
  return parsed.data;
}

/** What a host gave with configure(): added to the process's environment, never written into it. */
const given: Record<string, string> = {};
let parsed: { config: Config; source: Readonly<Record<string, string | undefined>> } | undefined;

function current(): Config {
  if (!parsed) {
    const source = { ...process.env, ...given };
    parsed = { config: parseConfig(source), source };
  }
  return parsed.config;
}

/**
 * The local host hands its settings (the stand-ins' addresses, the data folder) here before any handler
 * loads, instead of rewriting process.env. Settings are read once, at the first use of `config`: a
 * setting given after that which differs from what was read is a start-up bug, and fails loudly.
 */
export function configure(settings: Readonly<Record<string, string>>): void {
  if (parsed) {
    const { source } = parsed;
    const late = Object.keys(settings).filter((name) => source[name] !== settings[name]);
    if (late.length > 0) throw new Error(`Frameseek configuration already read; too late to set ${late.join(', ')}`);
    return;
  }
  Object.assign(given, settings);
}

/**
 * Every setting, parsed on first use (a Lambda's cold start, or the local host once it configured) and
 * then kept: every module reads `config.X` as from a plain object.
 */
export const config: Config = new Proxy({} as Config, {
  get: (_target, name) => Reflect.get(current(), name),
  has: (_target, name) => Reflect.has(current(), name),
  ownKeys: () => Reflect.ownKeys(current()),
  getOwnPropertyDescriptor: (_target, name) => Reflect.getOwnPropertyDescriptor(current(), name),
});

export function isProduction(): boolean {
  return config.FRAMESEEK_STAGE === 'prod';
}

import * as z from 'zod';
import { refusePageDepth } from '#lib/pagination';

/**
 * POST /v1/search fields (api.md). Multipart sends every field as text, JSON sends typed values:
 * both are accepted, so numbers and booleans are coerced from text and `modes` may repeat.
 */
/** api.md: a search image is at most 4 MB. */
export const MAX_QUERY_IMAGE_BYTES = 4 * 1024 * 1024;

const SEARCH_MODES = ['video', 'transcript', 'ocr'] as const;
/** `scene` is PureFrame's name (in its default modes) for what its visual frames match: our `video` mode. */
const ACCEPTED_MODES = [...SEARCH_MODES, 'scene'] as const;

const intField = (min: number, max: number, fallback: number) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value), z.number().int().min(min).max(max).default(fallback));

const booleanField = z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean().default(false));

/** A list field as multipart repeats it, JSON sends it, or a client joins it with commas. */
const listOf = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (value) =>
      (Array.isArray(value) ? value : value === undefined ? [] : [value])
        .flatMap((entry) => (typeof entry === 'string' ? entry.split(',') : [entry]))
        .map((entry) => (typeof entry === 'string' ? entry.trim() : entry))
        .filter((entry) => entry !== ''),
    z.array(item),
  );

const modesField = listOf(z.enum(ACCEPTED_MODES)).transform((modes) =>
  modes.length === 0 ? [...SEARCH_MODES] : [...new Set(modes.map((mode) => (mode === 'scene' ? 'video' : mode)))],
);

export const searchBody = z
  .strictObject({
    query: z.string().trim().min(1).max(1000).optional(),
    image_url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
    collection_id: z.string().min(1).max(64).optional(),
    video_id: z.string().min(1).max(64).optional(),
    modes: modesField,
    /** Reads the query's wording (quotes, "says …", "on screen …", "after 2 minutes"): lib/search/interpret.ts. */
    natural_language: booleanField,
    /** PureFrame's frame-label filter: accepted, answered with a warning while no label source exists. */
    labels: listOf(z.string().min(1).max(100)).pipe(z.array(z.string()).max(50)),
    page: intField(1, 10_000, 1),
    per_page: intField(1, 50, 10),
    max_segments: intField(1, 20, 5),
    include_hidden: booleanField,
    /** Identical files (same SHA-256) answer as one video, the first uploaded, unless this is false. */
    collapse_duplicates: z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean().default(true)),
    thumbnails: z.enum(['url', 'base64', 'none']).default('url'),
  })
  .superRefine((body, context) => {
    if (body.thumbnails === 'base64' && body.per_page > 10) {
      context.addIssue({ code: 'custom', path: ['per_page'], message: 'at most 10 with thumbnails=base64' });
    }
    refusePageDepth(body, context);
  });

const segment = z.object({
  timestamp_start: z.number(),
  timestamp_end: z.number(),
  score: z.number(),
  type: z.enum(['frame', 'transcript', 'ocr']),
  text_content: z.string().optional(),
  thumbnail_url: z.string().optional(),
  thumbnail_base64: z.string().optional(),
  video_url: z.string(),
  rank: z.number().int(),
  hidden: z.boolean(),
});

export const searchResults = z.array(
  z.object({ video_id: z.string(), filename: z.string(), collection_id: z.string(), score: z.number(), segments: z.array(segment) }),
);

/** PureFrame's clients send a vote as JSON, urlencoded or multipart (api.md): a form sends the time as text. */
export const feedbackBody = z.strictObject({
  video_id: z.string().min(1).max(64),
  timestamp_start: z.preprocess((value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value), z.number().min(0)),
  signal: z.enum(['up', 'down']),
  query: z.string().max(1000).optional(),
});

const formNumber = (schema: z.ZodNumber) => z.preprocess((value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value), schema);

/** api.md: a click on one result of a search, as JSON, urlencoded or multipart (a form sends numbers as text). */
export const clickBody = z.strictObject({
  search_id: z.string().min(1).max(64),
  video_id: z.string().min(1).max(64),
  timestamp_start: formNumber(z.number().min(0)),
  /** The clicked segment's end, when the client sends it; kept with the click. */
  timestamp_end: formNumber(z.number().min(0)).optional(),
  /** The segment's `rank` as the search answered it (1-based across the whole result). */
  rank: formNumber(z.number().int().min(1).max(100_000)),
});

export const clickRecorded = z.null();

export const feedbackQuery = z.strictObject({
  video_id: z.string().min(1).max(64),
  timestamp_start: z.coerce.number().min(0),
});

/** api.md: a recorded vote answers `data: null`, as PureFrame's does. */
export const feedbackRecorded = z.null();

export const suggestBody = z.strictObject({
  prefix: z.string().trim().min(1).max(100),
  collection_id: z.string().min(1).max(64).optional(),
});

export const suggestions = z.array(z.object({ text: z.string(), source: z.enum(['transcript', 'ocr', 'history']) }));

/** GET /v1/framemap (api.md): the scope, and `force=true` to recompute instead of answering from the cache. */
export const framemapQuery = z.strictObject({
  collection_id: z.string().min(1).max(64).optional(),
  force: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});

export const framemapView = z.object({
  frames: z.array(
    z.object({
      id: z.string(),
      x: z.number(),
      y: z.number(),
      video_id: z.string(),
      collection_id: z.string(),
      timestamp_start: z.number(),
      thumbnail_url: z.string(),
      cluster_id: z.number().int(),
    }),
  ),
  clusters: z.array(z.object({ id: z.number().int(), label: z.string(), color: z.string(), frame_count: z.number().int(), video_count: z.number().int() })),
  total_frames: z.number().int(),
  total_videos: z.number().int(),
  total_collections: z.number().int(),
});

import type { routes } from '#functions/routes';

/**
 * Examples for the OpenAPI document (and so for /docs and its "try it"), by route name. A test parses
 * every request example with its route's own schema, so an example cannot drift from what the route
 * accepts; every route that takes a JSON body has one.
 */
export interface RouteExample {
  request?: unknown;
  response?: unknown;
}

const COLLECTION_ID = 'col_01JF3Z6N2V5W8Q9R1T4Y7K0M3P';
const VIDEO_ID = 'vid_01JF3Z7B8C9D0E1F2G3H4J5K6M';
const JOB_ID = 'job_01JF3Z7B8C9D0E1F2G3H4J5K6N';
const UPLOAD_ID = 'upl_01JF3Z7B8C9D0E1F2G3H4J5K6P';
const ACCOUNT_ID = 'acc_01JF3Z5A1B2C3D4E5F6G7H8J9K';
const CREATED_AT = '2026-12-07T10:15:00.000Z';

export const routeExamples: Partial<Record<keyof typeof routes, RouteExample>> = {
  signUp: {
    request: { email: 'ada@example.com', password: 'correct horse battery staple' },
    response: {
      account: {
        id: ACCOUNT_ID,
        email: 'ada@example.com',
        plan: 'free',
        credits_micros: 0,
        usage: { searches_today: 0, search_quota: 30, storage_bytes: 0, storage_limit_bytes: 500_000_000 },
        created_at: CREATED_AT,
      },
      session: { token: 'fss_…', expires_at: '2026-12-14T10:15:00.000Z' },
    },
  },
  logIn: { request: { email: 'ada@example.com', password: 'correct horse battery staple' } },
  deleteAccount: { request: { password: 'correct horse battery staple' }, response: { deletion_id: 'del_01JF3Z9Q8R7S6T5V4W3X2Y1Z0A' } },
  createApiKey: {
    request: { name: 'Production search', permissions: 'read_only' },
    response: {
      id: 'key_01JF3Z8A9B0C1D2E3F4G5H6J7K',
      name: 'Production search',
      prefix: 'fsk_Hq3x',
      permissions: 'read_only',
      created_at: CREATED_AT,
      last_used_at: null,
      revoked_at: null,
      key: 'fsk_Hq3x…',
    },
  },
  startCheckout: { request: { amount_micros: 20_000_000 } },
  topUp: { request: { amount_micros: 20_000_000 } },
  configureAutoTopUp: { request: { enabled: true, threshold_micros: 2_000_000, amount_micros: 20_000_000 } },
  changePlan: { request: { plan: 'payg' } },
  createCollection: {
    request: { name: 'Conference talks 2026' },
    response: {
      id: COLLECTION_ID,
      user_id: ACCOUNT_ID,
      name: 'Conference talks 2026',
      created_at: CREATED_AT,
      video_count: 0,
      total_duration_secs: 0,
      storage_bytes: 0,
    },
  },
  renameCollection: { request: { name: 'Conference talks (archive)' } },
  createUpload: {
    request: { collection_id: COLLECTION_ID, filename: 'keynote.mp4', size_bytes: 48_213_004, content_type: 'video/mp4' },
    response: {
      upload_id: UPLOAD_ID,
      video_id: VIDEO_ID,
      job_id: JOB_ID,
      expires_at: '2026-12-08T10:15:00.000Z',
      method: 'PUT',
      url: 'https://frameseek-media.s3.amazonaws.com/…?X-Amz-Signature=…',
      headers: { 'Content-Type': 'video/mp4' },
    },
  },
  directUpload: { request: { collection_id: COLLECTION_ID }, response: { job_id: JOB_ID, video_id: VIDEO_ID, status: 'queued' } },
  completeUpload: {
    request: {
      parts: [
        { part_number: 1, etag: '"9b2cf535f27731c974343645a3985328"' },
        { part_number: 2, etag: '"6f5902ac237024bdd0c176cb93063dc4"' },
      ],
    },
    response: { job_id: JOB_ID, video_id: VIDEO_ID, status: 'queued' },
  },
  search: {
    request: { query: 'the speaker shows the revenue chart', collection_id: COLLECTION_ID, modes: ['video', 'transcript', 'ocr'], per_page: 5 },
    response: [
      {
        video_id: VIDEO_ID,
        filename: 'keynote.mp4',
        collection_id: COLLECTION_ID,
        score: 0.82,
        segments: [
          {
            timestamp_start: 754.2,
            timestamp_end: 761.8,
            score: 0.82,
            type: 'transcript',
            text_content: 'as you can see on the revenue chart, the third quarter…',
            thumbnail_url: 'https://…/thumbnails/…jpg',
            video_url: 'https://…/videos/…mp4#t=754.2,761.8',
            rank: 1,
            hidden: false,
          },
        ],
      },
    ],
  },
  searchFeedback: { request: { video_id: VIDEO_ID, timestamp_start: 754.2, signal: 'down', query: 'the speaker shows the revenue chart' } },
  searchClick: { request: { search_id: 'srch_01JF3ZA1B2C3D4E5F6G7H8J9K0', video_id: VIDEO_ID, timestamp_start: 754.2, timestamp_end: 761.8, rank: 1 } },
  suggest: { request: { prefix: 'reve', collection_id: COLLECTION_ID } },
  getJob: {
    response: {
      id: JOB_ID,
      job_id: JOB_ID,
      user_id: ACCOUNT_ID,
      video_id: VIDEO_ID,
      collection_id: COLLECTION_ID,
      status: 'processing',
      stage: 'transcribing',
      progress_pct: 45,
      error: null,
      error_code: null,
      created_at: CREATED_AT,
      updated_at: '2026-12-07T10:16:12.000Z',
    },
  },
  agentCall: { request: { tool: 'search_videos', input: { query: 'revenue chart', collection_id: COLLECTION_ID, limit: 3 } } },
  mcp: { request: { jsonrpc: '2.0', id: 1, method: 'tools/list' } },
  createWebhook: { request: { url: 'https://example.com/hooks/frameseek', events: ['job.completed', 'job.failed'] } },
  updateWebhook: { request: { is_active: false } },
};

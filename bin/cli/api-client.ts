import { succeed, unwrap, type FrameseekApi, type Job, type paths } from '#sdk/index';
import { asCliError } from './context.ts';
import { CliError } from './errors.ts';

/**
 * The calls `frameseek upload` makes, on the SDK's typed client. Errors come out as the CLI's (ApiError with the
 * API's code, API_UNREACHABLE), which the upload flow branches on.
 */
type TicketAnswer = paths['/v1/uploads']['post']['responses'][201]['content']['application/json']['data'];
type CreateUploadBody = paths['/v1/uploads']['post']['requestBody']['content']['application/json'];

/** A presigned-upload ticket (the source_url answer of the same route is not one). */
export type UploadTicket = Extract<TicketAnswer, { method: 'PUT' }>;
export type UploadState = paths['/v1/uploads/{upload_id}']['get']['responses'][200]['content']['application/json']['data'];
export type UploadIds = Pick<UploadTicket, 'upload_id' | 'video_id' | 'job_id'>;
export type PartUrl = NonNullable<UploadTicket['multipart']>['parts'][number];
export type DeclaredUpload = Extract<CreateUploadBody, { size_bytes: number }>;
export type PartEtag = { part_number: number; etag: string };
export type { Job };

export class ApiClient {
  constructor(private readonly client: FrameseekApi) {}

  async createUpload(declared: DeclaredUpload, idempotencyKey: string): Promise<UploadTicket> {
    const header = { 'Idempotency-Key': idempotencyKey };
    const { data } = await asCli(() => unwrap(this.client.POST('/v1/uploads', { body: declared, params: { header } })));
    if (!('method' in data)) throw new CliError('BAD_RESPONSE', 'POST /v1/uploads answered no upload URL');
    return data;
  }

  async getUpload(uploadId: string): Promise<UploadState> {
    const { data } = await asCli(() => unwrap(this.client.GET('/v1/uploads/{upload_id}', { params: { path: { upload_id: uploadId } } })));
    return data;
  }

  async completeUpload(uploadId: string, parts: PartEtag[] | undefined): Promise<void> {
    const body = parts === undefined ? {} : { parts };
    await asCli(() => unwrap(this.client.POST('/v1/uploads/{upload_id}/complete', { params: { path: { upload_id: uploadId } }, body })));
  }

  async abortUpload(uploadId: string): Promise<void> {
    await asCli(() => succeed(this.client.DELETE('/v1/uploads/{upload_id}', { params: { path: { upload_id: uploadId } } })));
  }

  async getJob(jobId: string): Promise<Job> {
    const { data } = await asCli(() => unwrap(this.client.GET('/v1/jobs/{job_id}', { params: { path: { job_id: jobId } } })));
    return data;
  }
}

async function asCli<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asCliError(error);
  }
}

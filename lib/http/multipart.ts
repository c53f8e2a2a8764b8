import busboy from 'busboy';
import { AppError } from '#lib/errors';
import type { UploadedFile } from '#lib/uploaded-file';

export type { UploadedFile } from '#lib/uploaded-file';

export interface MultipartBody {
  /** A field sent more than once (e.g. `modes`) becomes a list, in the order sent. */
  fields: Record<string, string | string[]>;
  files: Record<string, UploadedFile>;
}

const LIMITS = { fields: 32, fieldSize: 64 * 1024, files: 4, parts: 40 };

/** Parses multipart/form-data with busboy; anything it cannot read is BAD_REQUEST (step 5). */
export function parseMultipart(body: Buffer, contentType: string, maxFileBytes: number): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string | string[]> = {};
    const files: Record<string, UploadedFile> = {};
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { ...LIMITS, fileSize: maxFileBytes } });
    } catch {
      reject(new AppError('BAD_REQUEST', 'The multipart/form-data body has no usable boundary'));
      return;
    }
    parser.on('field', (name, value) => {
      const earlier = fields[name];
      fields[name] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      let truncated = false;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        truncated = true;
      });
      stream.on('close', () => {
        files[name] = { filename: info.filename ?? '', contentType: info.mimeType, bytes: Buffer.concat(chunks), truncated };
      });
    });
    parser.on('error', () => reject(new AppError('BAD_REQUEST', 'The multipart/form-data body could not be parsed')));
    parser.on('partsLimit', () => reject(new AppError('BAD_REQUEST', 'Too many parts in the multipart/form-data body')));
    parser.on('close', () => resolve({ fields, files }));
    parser.end(body);
  });
}

/** A file field the route requires; missing is a VALIDATION_ERROR like any missing field. */
export function requireFile(files: Record<string, UploadedFile>, field: string): UploadedFile {
  const file = files[field];
  if (!file) throw new AppError('VALIDATION_ERROR', `The multipart field "${field}" (a file) is required`, { fields: [{ path: field, message: 'required' }] });
  return file;
}

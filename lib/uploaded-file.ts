/** A file part of a multipart/form-data body, held in memory (routes cap it at a few MB). */
export interface UploadedFile {
  filename: string;
  contentType: string;
  bytes: Buffer;
  /** True when the part was longer than the route's cap: `bytes` holds only the cap. */
  truncated: boolean;
}

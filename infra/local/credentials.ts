import '#lib/aws-sdk-quiet';
/** The stand-ins accept any signature made with these; s3rver checks them for real. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The `coh5/s3` entry: reading S3 objects through the AWS SDK (kept apart so browser bundles need not carry it). */
export { openS3, S3Source, type S3Options, type S3Credentials } from './drivers/s3.js';
export { parseS3Url, publicS3Url, isS3Url, type S3Location } from './drivers/url.js';

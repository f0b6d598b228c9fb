/** The `coh5/s3` entry: reading S3 objects through the AWS SDK (kept apart so browser bundles need not carry it). */
export { openS3, loadS3Sdk, S3Source, type S3Options, type S3Credentials, type S3CredentialsProvider, type S3ClientLike, type S3Sdk } from './drivers/s3.js';
export { parseS3Url, publicS3Url, isS3Url, type S3Location } from './drivers/url.js';

import { registerEntry } from './drivers/open.js';
import { openS3 as openS3Driver } from './drivers/s3.js';

// open() finds this module without a self-import by package name (which, under a bundler or
// tsx, could load a second copy with its own H5Error class).
registerEntry('coh5/s3', { openS3: openS3Driver });

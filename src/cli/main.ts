#!/usr/bin/env node
/** The coh5 command line: ls, info, inspect, cat, query, refs. Exit codes: 2 bad arguments, 3 not found, 4 network/other. */
import { writeFile } from 'node:fs/promises';
// Bundled into dist/cli.js at build time, so the version printed is the one built.
import pkg from '../../package.json' with { type: 'json' };
import { UsageError } from './args.js';
import { cat, CAT_HELP } from './cat.js';
import { info, inspect } from './info.js';
import { ls } from './ls.js';
import { errorMessage, exitCode } from './open.js';
import { refs } from './refs.js';
import { queryCommand } from './query.js';

const HELP = `usage: coh5 <command> [options] URL ...

Reads HDF5 files from local paths, http(s):// and s3:// URLs, fetching only the bytes needed.

commands:
  ls [-r] [-l] URL [PATH]        the tree: object types, shapes, dtypes, chunks, filters
  info URL                       superblock, sizes, object and chunk counts, compression ratio
  inspect URL                    cloud-optimization report and the h5repack command that fixes it
  cat URL PATH [--slice S] [--format json|csv|npy]   data out (a pandas key: the frame)
  query URL PATH 'WHERE' [--fields a,b] [--limit N] [--format json|csv]   matching rows of a table
  refs URL [-o refs.json]        kerchunk references for Zarr readers (--concat DIM for many
                                 granules, s3:// globs; --format parquet -o DIR)

'coh5 --version' prints the version. 'coh5 <command> --help' describes each command and the access options (--anonymous, --profile,
--region, --endpoint, ...). Exit codes: 0 ok, 2 bad arguments, 3 not found, 4 network or other error.`;

const out = (s: string) => void process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

function writer(path: string | undefined): (chunk: string | Uint8Array) => Promise<void> {
  if (path) return (chunk) => writeFile(path, chunk);
  return (chunk) => new Promise((resolve, reject) => process.stdout.write(chunk, (e) => (e ? reject(e) : resolve())));
}

function outputArg(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '-o' || a === '--output');
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith('--output='))?.slice(9);
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        out(HELP);
        return cmd === undefined ? 2 : 0;
      case '-V':
      case '--version':
        out(`coh5 ${pkg.version}`);
        return 0;
      case 'ls':
        await ls(rest, out);
        return 0;
      case 'info':
        await info(rest, out);
        return 0;
      case 'inspect':
        await inspect(rest, out);
        return 0;
      case 'cat':
        await cat(rest, writer(outputArg(rest)), out);
        return 0;
      case 'query':
        await queryCommand(rest, writer(outputArg(rest)), out);
        return 0;
      case 'refs':
        await refs(rest, writer(outputArg(rest)), out);
        return 0;
      default:
        throw new UsageError(`unknown command '${cmd}' (ls, info, inspect, cat, query, refs; try --help)`);
    }
  } catch (e) {
    process.stderr.write(`coh5: ${errorMessage(e)}\n`);
    if (process.env.COH5_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return exitCode(e);
  }
}

void CAT_HELP;
// `coh5 ls -r big.h5 | head`: a closed pipe ends the output, quietly, as with other Unix tools.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

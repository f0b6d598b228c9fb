/**
 * The WAN emulator (bench/wan-proxy.ts) as a process of its own, so that a client in another
 * process (a test, an outside harness) is metered without sharing its event loop:
 *
 *   node --import ./scripts/register-ts.mjs bench/wan-serve.ts FILE... [--rtt 50] [--mbps 100] [--slice 65536]
 *
 * Prints one JSON line {"url": ...} when listening; GET /__counters gives the counters as JSON,
 * GET /__reset zeroes them. Ends on SIGTERM or when stdin closes.
 */
import { WanEmulator } from './wan-proxy.js';

const args = process.argv.slice(2);
const flag = (name: string): number | undefined => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
};
const rttMs = flag('rtt') ?? 50;
const mbps = flag('mbps') ?? 100;
const sliceBytes = flag('slice');
const signedTtlMs = flag('signed-ttl');
const wan = await WanEmulator.start(args, { rttMs, bitsPerSecond: mbps * 1e6, sliceBytes, signedTtlMs });
console.log(JSON.stringify({ url: wan.url }));
const stop = () => void wan.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop).resume();

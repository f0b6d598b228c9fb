/**
 * A progress line on stderr for reads that take more than a moment, only when stderr is a terminal:
 * `reading: 3.2 of 12.5 MiB (26%) in 5 requests` once the read's size is known (the stored bytes of
 * the chunks or ranges it planned; KiB or B for smaller reads), `reading: 3.2 MiB in 5 requests` otherwise.
 */
import type { BlockCacheStats } from '../node.js';

const DELAY_MS = 1000;
const MIB = 1048576;

export interface Progress {
  /** The bytes the read will fetch from here on (null: unknown); counting restarts now. */
  total(bytes: number | null): void;
  /** The read finished: a last line at 100% when the total was known and the line was shown, then cleared. */
  done(): void;
  /** Clears the line (a failed read, or nothing to show). */
  stop(): void;
}

/** The progress line's text for `done` bytes of `total` (null: unknown). */
export function progressText(done: number, total: number | null, requests: number): string {
  if (total === null || total <= 0) return `reading: ${(done / MIB).toFixed(1)} MiB in ${requests} requests`;
  // Both numbers in the total's unit, so a small read does not show as "0.0 of 0.0 MiB".
  const [unit, scale] = total >= MIB ? ['MiB', MIB] : total >= 1024 ? ['KiB', 1024] : ['B', 1];
  const amount = (n: number) => (scale === 1 ? String(n) : (n / scale).toFixed(1));
  // Coalesced GETs fetch the small gaps between ranges too: what is fetched can pass the plan.
  const shown = Math.min(done, total);
  return `reading: ${amount(shown)} of ${amount(total)} ${unit} (${Math.floor((shown / total) * 100)}%) in ${requests} requests`;
}

export function startProgress(stats: () => BlockCacheStats): Progress {
  if (!process.stderr.isTTY) return { total() {}, done() {}, stop() {} };
  let shown = false;
  let total: number | null = null;
  let base = 0;
  const line = (transferred: number) => process.stderr.write(`\r\x1b[K${progressText(transferred - base, total, stats().requests ?? 0)}`);
  const tick = () => {
    line(stats().bytesTransferred ?? 0);
    shown = true;
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  const delay = setTimeout(() => {
    tick();
    timer = setInterval(tick, 200);
  }, DELAY_MS);
  return {
    total(bytes) {
      total = bytes;
      base = stats().bytesTransferred ?? 0;
    },
    done() {
      if (shown && total !== null && total > 0) line(total + base);
      this.stop();
    },
    stop() {
      clearTimeout(delay);
      if (timer) clearInterval(timer);
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

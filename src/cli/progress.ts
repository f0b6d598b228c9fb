/** A progress line on stderr for reads that take more than a moment, only when stderr is a terminal. */
import type { BlockCacheStats } from '../node.js';

const DELAY_MS = 1000;

export function startProgress(stats: () => BlockCacheStats): { stop(): void } {
  if (!process.stderr.isTTY) return { stop() {} };
  let shown = false;
  const tick = () => {
    const s = stats();
    const mib = ((s.bytesTransferred ?? 0) / 1048576).toFixed(1);
    process.stderr.write(`\r\x1b[Kreading: ${mib} MiB in ${s.requests ?? 0} requests`);
    shown = true;
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  const delay = setTimeout(() => {
    tick();
    timer = setInterval(tick, 200);
  }, DELAY_MS);
  return {
    stop() {
      clearTimeout(delay);
      if (timer) clearInterval(timer);
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

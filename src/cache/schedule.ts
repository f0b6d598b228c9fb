/**
 * Runs a callback after the current macrotask and all its microtasks, so every read started in
 * this turn (by several async functions, each resuming from its own awaits) is collected before
 * the batch is planned. A microtask would fire too early: an `await` chain several steps deep
 * resumes after it.
 */
export function scheduleMacrotask(callback: () => void): void {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    // Node, Bun: runs after pending I/O callbacks, without the 1 ms clamp of setTimeout.
    g.setImmediate(callback);
    return;
  }
  if (typeof MessageChannel === 'function') {
    channelQueue.push(callback);
    if (channelQueue.length === 1) postToChannel();
    return;
  }
  // Browsers clamp nested setTimeout(0) to 4 ms; only reached where MessageChannel is missing.
  setTimeout(callback, 0);
}

const channelQueue: (() => void)[] = [];
let channel: MessageChannel | undefined;

function postToChannel(): void {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const callbacks = channelQueue.splice(0);
      for (const cb of callbacks) cb();
    };
  }
  channel.port2.postMessage(null);
}

/**
 * `--load N`: N busy-loop processes for the length of a run, so figures can be measured on a
 * loaded machine (issue 14: users run on busy 2-core machines, not quiet ones). Each is a plain
 * `node -e 'for(;;);'`; they are ended by their own pids when the run ends, or if it dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Load {
  readonly processes: number;
  stop(): void;
}

export function startLoad(processes: number): Load {
  const children: ChildProcess[] = [];
  for (let i = 0; i < processes; i++) children.push(spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
  const stop = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.once('exit', stop);
  return { processes, stop };
}

import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import type { Logger } from '../../shared/log.js';
import { Backoff } from './backoff.js';

export interface LineProcessOptions {
  file: string;
  args: readonly string[];
  onLine: (line: string) => void;
  /** Called when the process exited (after its last line). */
  onExit?: () => void;
  log: Logger;
  what: string;
  /** On stop, how long the process group has after SIGTERM before SIGKILL. */
  killAfterMs?: number;
}

const KILL_AFTER_MS = 3000;
/** After SIGKILL, how long stop waits for the pipe to close before it gives up on it (a child that left the group may hold it). */
const ABANDON_AFTER_MS = 1000;

/** Process groups of children still running, killed if the agent exits without stopping them (they are detached from its group). */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
});

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the whole group is gone already.
  }
}

const delay = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

/**
 * Keeps one long-running child (nvidia-smi -lms, dcgmi dmon) alive and hands
 * its stdout over line by line; restarts it with backoff when it dies.
 *
 * The child runs in its own process group: a configured `nvidiaSmi` may be a
 * wrapper that does not `exec` (`nvidia-smi "$@" | sed ...`), and SIGTERM to
 * the wrapper alone leaves its children holding the pipe, so the agent would
 * never finish stopping. Stop signals the whole group, SIGKILLs it after
 * `killAfterMs`, and returns within a fixed bound whatever the children do.
 */
export class LineProcess {
  private child: ResultPromise | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly backoff = new Backoff();
  /** How often the process had to be restarted. */
  restarts = 0;

  constructor(private readonly opts: LineProcessOptions) {}

  start(): void {
    this.stopped = false;
    const started = Date.now();
    const child = execa(this.opts.file, this.opts.args, { reject: false, stdin: 'ignore', stderr: 'pipe', buffer: false, detached: true });
    this.child = child;
    const pgid = child.pid;
    if (pgid !== undefined) liveGroups.add(pgid);
    createInterface({ input: child.stdout! }).on('line', this.opts.onLine);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    void child.then((result) => {
      if (pgid !== undefined) liveGroups.delete(pgid);
      this.opts.onExit?.();
      if (this.stopped) return;
      const delay = this.backoff.next(Date.now() - started);
      this.restarts += 1;
      this.opts.log.warn(
        { what: this.opts.what, exitCode: result.exitCode, signal: result.signal, stderr: stderr.trim() || undefined, restartInMs: delay },
        `${this.opts.what} exited; restarting`,
      );
      this.restartTimer = setTimeout(() => this.start(), delay);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    const pgid = child?.pid;
    if (!child || pgid === undefined || !liveGroups.has(pgid)) return;
    signalGroup(pgid, 'SIGTERM');
    if ((await Promise.race([child, delay(this.opts.killAfterMs ?? KILL_AFTER_MS)])) !== 'timeout') return;
    this.opts.log.warn({ what: this.opts.what, pgid }, `${this.opts.what} did not stop on SIGTERM; killing its process group`);
    signalGroup(pgid, 'SIGKILL');
    if ((await Promise.race([child, delay(ABANDON_AFTER_MS)])) !== 'timeout') return;
    // Something outside the group still holds the pipe: stop reading it rather than hang.
    liveGroups.delete(pgid);
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
}

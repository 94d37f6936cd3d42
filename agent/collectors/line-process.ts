import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from '../../shared/log.js';
import { Backoff } from './backoff.js';
import { signalGroup } from './run-command.js';

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

const delay = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

interface Exit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The spawn error's code (`ENOENT`) when the process could not start. */
  error?: string;
}

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
  private child: ChildProcessByStdio<null, Readable, Readable> | undefined;
  /** Settles when the running child has exited and its pipes closed. */
  private exited: Promise<Exit> | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly backoff = new Backoff();
  /** How often the process had to be restarted. */
  restarts = 0;

  constructor(private readonly opts: LineProcessOptions) {}

  start(): void {
    this.stopped = false;
    const started = Date.now();
    const child = spawn(this.opts.file, this.opts.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    let spawnError: NodeJS.ErrnoException | undefined;
    child.once('error', (err: NodeJS.ErrnoException) => (spawnError = err));
    const exited = new Promise<Exit>((resolve) =>
      child.once('close', (exitCode: number | null, signal: NodeJS.Signals | null) =>
        resolve(spawnError ? { exitCode: null, signal: null, error: spawnError.code ?? spawnError.message } : { exitCode, signal }),
      ),
    );
    this.exited = exited;
    const pgid = child.pid;
    if (pgid !== undefined) liveGroups.add(pgid);
    createInterface({ input: child.stdout }).on('line', this.opts.onLine);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    void exited.then((result) => {
      if (pgid !== undefined) liveGroups.delete(pgid);
      this.opts.onExit?.();
      if (this.stopped) return;
      const delay = this.backoff.next(Date.now() - started);
      this.restarts += 1;
      this.opts.log.warn(
        { what: this.opts.what, exitCode: result.exitCode, signal: result.signal, error: result.error, stderr: stderr.trim() || undefined, restartInMs: delay },
        `${this.opts.what} exited; restarting`,
      );
      this.restartTimer = setTimeout(() => this.start(), delay);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const { child, exited } = this;
    const pgid = child?.pid;
    if (!child || !exited || pgid === undefined || !liveGroups.has(pgid)) return;
    signalGroup(pgid, 'SIGTERM');
    if ((await Promise.race([exited, delay(this.opts.killAfterMs ?? KILL_AFTER_MS)])) !== 'timeout') return;
    this.opts.log.warn({ what: this.opts.what, pgid }, `${this.opts.what} did not stop on SIGTERM; killing its process group`);
    signalGroup(pgid, 'SIGKILL');
    if ((await Promise.race([exited, delay(ABANDON_AFTER_MS)])) !== 'timeout') return;
    // Something outside the group still holds the pipe: stop reading it rather than hang.
    liveGroups.delete(pgid);
    child.stdout.destroy();
    child.stderr.destroy();
  }
}

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
}

/**
 * Keeps one long-running child (nvidia-smi -lms, dcgmi dmon) alive and hands
 * its stdout over line by line; restarts it with backoff when it dies.
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
    const child = execa(this.opts.file, this.opts.args, { reject: false, stdin: 'ignore', stderr: 'pipe', buffer: false });
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', this.opts.onLine);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    void child.then((result) => {
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
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await child;
    }
  }
}

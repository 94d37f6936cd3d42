import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connectionArgs, describeTarget, type IpmiTarget } from './connection.js';
import { redact } from './redact.js';
import { IpmitoolError, IpmitoolTimeoutError, type IpmitoolOutput } from './source.js';

/** What `ipmitool shell` prints when it waits for the next command (readline's prompt, flushed before each read). */
export const PROMPT = 'ipmitool> ';

/** How long a closing shell may take to log out of the BMC (`exit` sends Close Session) before it is killed. */
const EXIT_GRACE_MS = 2_000;

/** The shell could not be started or died before its first prompt: the caller may fall back to one ipmitool per call. */
export class ShellStartError extends IpmitoolError {
  constructor(message: string, output: string) {
    super(message, output);
    this.name = 'ShellStartError';
  }
}

/**
 * Splits what `ipmitool shell` printed for one command: readline echoes the
 * command line first, the answer follows, and the next prompt ends it.
 * Returns null while the prompt has not come yet.
 */
export function splitShellAnswer(buffer: string): string | null {
  if (!buffer.endsWith(PROMPT)) return null;
  const echoEnd = buffer.indexOf('\n');
  if (echoEnd < 0 || echoEnd >= buffer.length - PROMPT.length) return null;
  return buffer.slice(echoEnd + 1, buffer.length - PROMPT.length);
}

interface Pending {
  resolve(out: IpmitoolOutput): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  /** Before the first prompt nothing is echoed: the answer is the banner, if any. */
  starting: boolean;
  what: string;
}

/**
 * One long-lived `ipmitool ... shell` per BMC, fed commands over stdin: one
 * RMCP+ login instead of one per reading, and the SDR repository read once
 * per session instead of on every `sdr elist`. Commands run one at a time;
 * each is bounded by `timeoutMs`, after which the shell is SIGKILLed and the
 * next command starts a fresh one. The password goes as in the per-call
 * runner (`-f` file or `-E` with IPMI_PASSWORD in the child's environment).
 *
 * `setpriv --pdeathsig KILL` runs it: ipmitool 1.8.19's shell spins on a
 * closed stdin, so a shell orphaned by an agent that was SIGKILLed would
 * burn a core; the kernel kills it with its parent instead.
 */
export class IpmitoolShell {
  private child: ChildProcessWithoutNullStreams | undefined;
  private stdout = '';
  private stderr = '';
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly secrets: string[];
  private readonly where: string;

  constructor(
    private readonly opts: { ipmitool: string; setpriv: string; target: IpmiTarget; timeoutMs: number },
  ) {
    this.secrets = [opts.target.password];
    this.where = `BMC ${describeTarget(opts.target)}`;
  }

  /** The running shell's process id (setpriv execs ipmitool in place), if one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Runs `command` (e.g. `['sdr', 'elist']`) in the shell, starting it first when none runs. */
  run(command: string[]): Promise<IpmitoolOutput> {
    const next = this.queue.then(() => this.runNow(command));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Logs out (`exit`) and waits for the shell to end, killing it after a grace period. */
  async close(): Promise<void> {
    await this.queue;
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const kill = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
    child.stdin.end('exit\n');
    await exited;
    clearTimeout(kill);
  }

  private async runNow(command: string[]): Promise<IpmitoolOutput> {
    if (!this.child) await this.start();
    return this.send(command.join(' '), false, command.join(' '));
  }

  private start(): Promise<IpmitoolOutput> {
    const conn = connectionArgs(this.opts.target);
    const child = spawn(this.opts.setpriv, ['--pdeathsig', 'KILL', '--', this.opts.ipmitool, ...conn.args, 'shell'], {
      // C locale: ipmitool formats numbers with the locale; no PATH or HOME needed.
      env: { ...conn.env, LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.stdout = '';
    this.stderr = '';
    // A killed shell's last output and exit must not reach the shell started after it.
    child.stdout.setEncoding('utf8').on('data', (d: string) => this.child === child && this.onStdout(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (this.child === child && (this.stderr += d)));
    child.stdin.on('error', () => undefined); // EPIPE when it died: reported through 'exit'.
    child.on('error', (err) => this.fail(child, `could not start ${this.opts.setpriv} ${this.opts.ipmitool}: ${err.message}`));
    child.on('exit', (code, signal) => this.fail(child, `exited (${signal ?? `status ${code}`})`));
    return this.send(null, true, 'shell');
  }

  /** Sends one line (null: just wait for the first prompt) and resolves with its answer at the next prompt. */
  private send(line: string | null, starting: boolean, what: string): Promise<IpmitoolOutput> {
    const child = this.child!;
    return new Promise<IpmitoolOutput>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.kill(child);
        reject(new IpmitoolTimeoutError(redact(`ipmitool ${what} timed out after ${this.opts.timeoutMs} ms (${this.where})`, this.secrets)));
      }, this.opts.timeoutMs);
      this.pending = { resolve, reject, timer, starting, what };
      this.stdout = '';
      this.stderr = '';
      if (line !== null) child.stdin.write(`${line}\n`);
    });
  }

  private onStdout(data: string): void {
    this.stdout += data;
    const p = this.pending;
    if (!p) return;
    const answer = p.starting ? (this.stdout.endsWith(PROMPT) ? '' : null) : splitShellAnswer(this.stdout);
    if (answer === null) return;
    // stderr was written before the prompt; its pipe is read in the same poll, so it is complete once this turn ends.
    setImmediate(() => {
      if (this.pending !== p) return;
      this.pending = undefined;
      clearTimeout(p.timer);
      const stderr = this.stderr;
      if (answer.trim() === '' && stderr.trim() !== '') {
        // No exit status in a shell: an answer that is only an error message is a failed command.
        const output = redact(stderr.trim(), this.secrets);
        p.reject(new IpmitoolError(redact(`ipmitool ${p.what} failed (${this.where}): ${output.split('\n').at(-1)!.trim()}`, this.secrets), output));
      } else p.resolve({ stdout: answer, stderr });
    });
  }

  private fail(child: ChildProcessWithoutNullStreams, reason: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    const output = redact(`${this.stderr}\n${this.stdout}`.trim(), this.secrets);
    const last = output.split('\n').filter((l) => l.trim() !== '').at(-1)?.trim();
    const message = redact(`ipmitool ${p.what} failed (${this.where}, shell session ${reason})${last ? `: ${last}` : ''}`, this.secrets);
    p.reject(p.starting ? new ShellStartError(message, output) : new IpmitoolError(message, output));
  }

  private kill(child: ChildProcessWithoutNullStreams): void {
    if (this.child === child) this.child = undefined;
    child.kill('SIGKILL');
  }
}

import { spawn } from 'node:child_process';

export interface CommandResult {
  /** Null when the command did not start or was killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Decoded as UTF-8, without the final newline. */
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The spawn error's code (`ENOENT`, `EACCES`) when the command could not start. */
  code?: string;
  /** Why it did not exit 0, in a few words (`exit 9`, `timed out after 10000 ms`, `not started: ENOENT`); '' when it did. */
  failure: string;
}

export interface CommandOptions {
  /** Killed with `killSignal` after this long. */
  timeoutMs?: number;
  /** Default SIGTERM. */
  killSignal?: NodeJS.Signals;
  /** Aborting kills the command with `killSignal`. */
  signal?: AbortSignal;
  /** Added to the agent's environment. */
  env?: Record<string, string>;
  /**
   * Runs the command in its own process group and signals the whole group:
   * a configured `nvidiaSmi` may be a wrapper that does not `exec`.
   */
  group?: boolean;
}

/** More output than any nvidia-smi, dcgmi or ipmitool report; past it the command is killed. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

const decode = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');

/** Signals a process group (a child spawned detached leads its own); one already gone is no error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the whole group is gone already.
  }
}

/**
 * Runs a one-shot command with an argument array (no shell), stdin closed,
 * and collects its output. A command that fails, cannot start or is killed
 * resolves too: the result says how it ended.
 * (node:child_process rather than execa: execa's ~100 modules were ~1.6 MB
 * of the agent's heap for what the collectors need of it; issue 20.)
 */
export function runCommand(file: string, args: readonly string[], opts: CommandOptions = {}): Promise<CommandResult> {
  const killSignal = opts.killSignal ?? 'SIGTERM';
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ? { ...process.env, ...opts.env } : process.env, detached: opts.group ?? false });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let bytes = 0;
    let timedOut = false;
    let overflowed = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    const kill = () => {
      if (opts.group && child.pid !== undefined) signalGroup(child.pid, killSignal);
      else child.kill(killSignal);
    };
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_OUTPUT_BYTES) {
        if (!overflowed) kill();
        overflowed = true;
      } else into.push(chunk);
    };
    child.stdout.on('data', collect(stdout));
    child.stderr.on('data', collect(stderr));
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            kill();
          }, opts.timeoutMs)
        : undefined;
    const onAbort = () => kill();
    if (opts.signal?.aborted) kill();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err: NodeJS.ErrnoException) => (spawnError = err));
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      const exitCode = spawnError ? null : code;
      const failure = spawnError
        ? `not started: ${spawnError.code ?? spawnError.message}`
        : timedOut
          ? `timed out after ${opts.timeoutMs} ms`
          : overflowed
            ? `killed after ${MAX_OUTPUT_BYTES} bytes of output`
            : signal
              ? `killed by ${signal}`
              : code !== 0
                ? `exit ${code}`
                : '';
      resolve({ exitCode, signal, stdout: decode(stdout), stderr: decode(stderr), timedOut, ...(spawnError?.code ? { code: spawnError.code } : {}), failure });
    });
  });
}

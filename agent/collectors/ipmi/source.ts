import { runCommand } from '../run-command.js';
import { connectionArgs, describeTarget, type IpmiTarget } from './connection.js';
import { redact } from './redact.js';

/** ipmitool exited non-zero or could not start; `output` is its redacted stderr and stdout, for telling "BMC said no" from "no answer". */
export class IpmitoolError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'IpmitoolError';
  }
}

/** ipmitool did not finish within the per-call timeout and was killed (a hung or unreachable BMC). */
export class IpmitoolTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpmitoolTimeoutError';
  }
}

export interface IpmitoolOutput {
  stdout: string;
  stderr: string;
}

/** Runs one ipmitool command (`['sdr', 'elist']`) against the configured BMC. */
export type Ipmitool = (command: string[]) => Promise<IpmitoolOutput>;

/**
 * An ipmitool runner bound to one BMC: argument arrays, never a shell; each
 * call is SIGKILLed after `timeoutMs` (a frozen BMC leaves ipmitool waiting
 * on UDP, and SIGTERM would wait for its retries). Error texts are redacted.
 */
export function ipmitoolRunner(opts: { ipmitool: string; target: IpmiTarget; timeoutMs: number }): Ipmitool {
  const conn = connectionArgs(opts.target);
  const secrets = [opts.target.password];
  const where = `BMC ${describeTarget(opts.target)}`;
  return async (command) => {
    const r = await runCommand(opts.ipmitool, [...conn.args, ...command], {
      timeoutMs: opts.timeoutMs,
      killSignal: 'SIGKILL',
      // C locale: ipmitool 1.8.19 formats with the locale, and a decimal comma would break the parsers.
      env: { ...conn.env, LC_ALL: 'C' },
    });
    const what = `ipmitool ${command.join(' ')}`;
    if (r.timedOut) throw new IpmitoolTimeoutError(redact(`${what} timed out after ${opts.timeoutMs} ms (${where})`, secrets));
    if (r.exitCode !== 0) {
      const output = redact(`${r.stderr}\n${r.stdout}`.trim(), secrets);
      const reason = output.split('\n').filter((l) => l.trim() !== '').at(-1)?.trim() ?? r.failure;
      throw new IpmitoolError(redact(`${what} failed (${where}): ${reason}`, secrets), output);
    }
    return { stdout: r.stdout, stderr: r.stderr };
  };
}

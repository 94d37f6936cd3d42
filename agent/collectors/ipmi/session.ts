import type { Logger } from '../../../shared/log.js';
import type { IpmiTarget } from './connection.js';
import { IpmitoolShell, ShellStartError } from './shell.js';
import { ipmitoolRunner, type Ipmitool } from './source.js';

export interface IpmitoolSession {
  /** Runs a command in the shell session, or as its own ipmitool where the shell is not usable. */
  run: Ipmitool;
  /** One ipmitool per call, for what needs per-call options (`-S <sdr cache>`, `sdr dump`). */
  perCall: Ipmitool;
  /** False once the shell proved unusable here; the caller then reads the SDR through its file cache. */
  usesShell(): boolean;
  close(): Promise<void>;
}

/**
 * Commands through one long-lived `ipmitool shell` (IpmitoolShell), falling
 * back to one ipmitool per call for good when the shell cannot run here:
 * setpriv missing, or a shell that dies before its prompt while the same
 * command run on its own succeeds (a BMC that is down fails both, and the
 * shell is tried again on the next poll). `setpriv: null` (shell off, or
 * setpriv not installed) is per-call mode from the start.
 */
export function ipmitoolSession(opts: { ipmitool: string; setpriv: string | null; target: IpmiTarget; timeoutMs: number; log: Logger }): IpmitoolSession {
  const perCall = ipmitoolRunner(opts);
  const shell = opts.setpriv ? new IpmitoolShell({ ipmitool: opts.ipmitool, setpriv: opts.setpriv, target: opts.target, timeoutMs: opts.timeoutMs }) : null;
  let useShell = shell !== null;
  
  return {
    perCall,
    usesShell: () => useShell,
    async run(command) {
      if (!useShell || !shell) return perCall(command);
      try {
        return await shell.run(command);
      } catch (err) {
        if (!(err instanceof ShellStartError)) throw err;
        const out = await perCall(command);
        useShell = false;
        opts.log.warn({ err: err.message }, 'ipmitool shell unusable here; one ipmitool per reading from now on');
        return out;
      }
    },
    close: async () => shell?.close(),
  };
}

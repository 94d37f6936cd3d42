import { join } from 'node:path';
import type { AgentConfig } from '../../config.js';

/** Which BMC ipmitool talks to, and how it logs in. */
export interface IpmiTarget {
  interface: 'open' | 'lanplus';
  host: string;
  port: number;
  username: string;
  /** File holding the password, passed with `-f` so the secret never shows on the process list. */
  passwordFile: string;
  /** Password given inline (the agent's IPMI_PASSWORD); used only without a password file, through `-E`. */
  password: string;
  cipherSuite: number;
}

/** ipmitool's connection arguments and the environment the child needs besides the agent's own. */
export interface Invocation {
  args: string[];
  env: Record<string, string>;
}

/** The target from the `collectors.ipmi` config section; the inline password comes from IPMI_PASSWORD, ipmitool's own variable. */
export function targetFromConfig(c: AgentConfig['collectors']['ipmi'], env: NodeJS.ProcessEnv = process.env): IpmiTarget {
  return {
    interface: c.interface,
    host: c.host,
    port: c.port,
    username: c.username,
    passwordFile: c.passwordFile,
    password: env.IPMI_PASSWORD ?? '',
    cipherSuite: c.cipherSuite,
  };
}

/**
 * Arguments that select the BMC (after Telegraf's ipmi_sensor/connection.go):
 * the local one through the kernel driver (`-I open`), or a remote one over
 * RMCP+ (`-I lanplus`). The password travels in a file (`-f`) or in the
 * child's environment (`-E` reads IPMI_PASSWORD), never as `-P` on the
 * command line, which any local user can read in /proc. `-C` is always given:
 * without it ipmitool first asks for the cipher suites, which some BMCs
 * (ipmi_sim 2.0.33) never answer, costing ~10 s per call.
 */
export function connectionArgs(t: IpmiTarget): Invocation {
  if (t.interface === 'open') return { args: ['-I', 'open'], env: {} };
  const args = ['-I', 'lanplus', '-H', t.host, '-p', String(t.port), '-C', String(t.cipherSuite)];
  const env: Record<string, string> = {};
  if (t.username) args.push('-U', t.username);
  if (t.passwordFile) args.push('-f', t.passwordFile);
  else if (t.password) {
    args.push('-E');
    env.IPMI_PASSWORD = t.password;
  }
  // 2 s per request and one retry: a lost UDP packet is retried, a dead BMC fails on its own before the collector's timeout kills it.
  args.push('-N', '2', '-R', '1');
  return { args, env };
}

/** `127.0.0.1:9623`, or `local` for the open interface; for logs and the inventory. */
export function describeTarget(t: IpmiTarget): string {
  return t.interface === 'open' ? 'local' : `${t.host}:${t.port}`;
}

/** Where `sdr dump` keeps this BMC's SDR repository (`<dataDir>/cache/ipmi-sdr-<host>-<port>.bin`). */
export function sdrCacheFile(dataDir: string, t: IpmiTarget): string {
  const id = t.interface === 'open' ? 'local' : `${t.host}-${t.port}`.replace(/[^A-Za-z0-9.-]/g, '_');
  return join(dataDir, 'cache', `ipmi-sdr-${id}.bin`);
}

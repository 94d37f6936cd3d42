export interface IpmiConnection {
  ipmitool: string;
  interface: 'open' | 'lanplus';
  host: string;
  port: number;
  username: string;
  /** File holding the BMC password; passed with `-f` so it never shows on the process list. */
  passwordFile: string;
  cipherSuite: number;
}

/**
 * ipmitool arguments that select the BMC: the local one through the kernel
 * driver (`-I open`) or a remote one over RMCP+ (`-I lanplus`). `-C` is always
 * given for lanplus: without it ipmitool first probes cipher suites, which
 * some BMCs (ipmi_sim 2.0.33) never answer, costing ~10 s per call.
 */
export function connectionArgs(c: IpmiConnection): string[] {
  if (c.interface === 'open') return ['-I', 'open'];
  const args = ['-I', 'lanplus', '-H', c.host, '-p', String(c.port), '-C', String(c.cipherSuite)];
  if (c.username) args.push('-U', c.username);
  if (c.passwordFile) args.push('-f', c.passwordFile);
  // One quick retry: the collector's own timeout bounds the call, and the next interval retries.
  args.push('-N', '2', '-R', '1');
  return args;
}

/** Removes passwords from a command line or an error text before it is logged (after Telegraf's sanitizeIPMICmd). */
export function redact(text: string): string {
  return text.replace(/(-P\s+)(\S+)/g, '$1[redacted]').replace(/(IPMI_PASSWORD=)(\S+)/g, '$1[redacted]');
}

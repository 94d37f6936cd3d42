import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED } from './spawn-agent.js';

const SIM = join(SHARED, 'bmc-sim');

export interface BmcSim {
  port: number;
  pid: number;
  /** A file holding the simulator's password, for `-f`. */
  passwordFile: string;
  set(...pairs: (string | number)[]): void;
  freeze(): void;
  thaw(): void;
  stop(): void;
}

/** Starts the real OpenIPMI ipmi_sim BMC from ../shared/bmc-sim on 127.0.0.1 (fails, never skips, when the tools are missing). */
export function startBmcSim(basePort = 9623): BmcSim {
  const port = basePort + Number(process.env.VITEST_POOL_ID ?? 0);
  let pid: number;
  try {
    pid = Number(execFileSync(join(SIM, 'start.sh'), ['-p', String(port)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim());
  } catch (err) {
    if ((err as { status?: number }).status === 3) throw new Error('ipmi_sim/ipmitool missing: apt-get install -y openipmi ipmitool gcc', { cause: err });
    throw err;
  }
  const passwordFile = join(mkdtempSync(join(tmpdir(), 'kcloud-bmc-')), 'password');
  writeFileSync(passwordFile, 'kcloud-test\n', { mode: 0o600 });
  return {
    port,
    pid,
    passwordFile,
    set: (...pairs) => void execFileSync(join(SIM, 'set-sensor.sh'), ['-p', String(port), ...pairs.map(String)], { stdio: 'ignore' }),
    freeze: () => process.kill(pid, 'SIGSTOP'),
    thaw: () => process.kill(pid, 'SIGCONT'),
    stop: () => void execFileSync(join(SIM, 'stop.sh'), [String(pid), '--clean'], { stdio: 'ignore' }),
  };
}

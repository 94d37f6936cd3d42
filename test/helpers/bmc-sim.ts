import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED } from './spawn-agent.js';

const SIM = join(SHARED, 'bmc-sim');

export interface BmcSim {
  port: number;
  pid: number;
  /** The run directory (sensor files, sim.log). */
  dir: string;
  username: string;
  password: string;
  /** A 0600 file holding the password, for `ipmitool -f`. */
  passwordFile: string;
  /** `set-sensor.sh NAME VALUE ...`; returns once the simulator serves the new values. */
  set(...pairs: (string | number)[]): void;
  /** `set-sensor.sh --reset`: back to sensors.defaults. */
  reset(): void;
  /** SIGSTOP: the BMC stops answering (requests time out). */
  freeze(): void;
  /** SIGCONT: it answers again. */
  thaw(): void;
  stop(): void;
}

/** The simulator's ADMIN user from its lan.conf (`user 2 true "admin" "kcloud-test" admin 10`). */
function adminUser(): { username: string; password: string } {
  const m = /^\s*user\s+\d+\s+true\s+"([^"]+)"\s+"([^"]+)"\s+admin\b/m.exec(readFileSync(join(SIM, 'lan.conf'), 'utf8'));
  if (!m) throw new Error(`no enabled admin user in ${join(SIM, 'lan.conf')}`);
  return { username: m[1]!, password: m[2]! };
}

/**
 * Starts the real OpenIPMI ipmi_sim BMC from ../shared/bmc-sim on 127.0.0.1,
 * port 9623 + offset + VITEST_POOL_ID, in a fresh run directory. Throws (the
 * test fails, never skips) when ipmi_sim or ipmitool is not installed.
 */
export function startBmcSim(opts: { portOffset?: number; dcmi?: boolean } = {}): BmcSim {
  const port = 9623 + (opts.portOffset ?? 0) + Number(process.env.VITEST_POOL_ID ?? 0);
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-bmc-sim-'));
  const args = ['-p', String(port), '-d', dir, ...(opts.dcmi === false ? ['--no-dcmi'] : [])];
  let pid: number;
  try {
    pid = Number(execFileSync(join(SIM, 'start.sh'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim());
  } catch (err) {
    if ((err as { status?: number }).status === 3) {
      throw new Error('ipmi_sim/sdrcomp/ipmitool missing: apt-get install -y openipmi ipmitool gcc', { cause: err });
    }
    throw new Error(`bmc-sim start.sh failed: ${String((err as { stderr?: unknown }).stderr ?? err)}`, { cause: err });
  }
  const { username, password } = adminUser();
  const passwordFile = join(mkdtempSync(join(tmpdir(), 'kcloud-bmc-pw-')), 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  const setSensor = (...rest: string[]) => void execFileSync(join(SIM, 'set-sensor.sh'), ['-d', dir, ...rest], { stdio: 'ignore' });
  return {
    port,
    pid,
    dir,
    username,
    password,
    passwordFile,
    set: (...pairs) => setSensor(...pairs.map(String)),
    reset: () => setSensor('--reset'),
    freeze: () => process.kill(pid, 'SIGSTOP'),
    thaw: () => process.kill(pid, 'SIGCONT'),
    stop: () => void execFileSync(join(SIM, 'stop.sh'), [String(pid), '--clean'], { stdio: 'ignore' }),
  };
}

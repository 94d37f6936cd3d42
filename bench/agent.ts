/**
 * Agent footprint benchmark: runs the real agent for 60 s (BENCH_SECONDS)
 * at 1 Hz with 8 simulated GPUs (the fake nvidia-smi replaying the H100 load
 * capture, replicated 8x), the ipmi_sim BMC over lanplus every 10 s, and a
 * fake RAPL tree, publishing to a real mosquitto. Prints the agent's CPU as %
 * of one core and its peak RSS. Targets: <= 1 % of a core, <= 80 MB RSS.
 *
 * Measures the built agent (what systemd runs), so build first:
 *   npm run build && npx tsx bench/agent.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMosquitto } from '../test/helpers/mosquitto.js';

const repo = resolve(import.meta.dirname, '..');
const bmcSim = resolve(repo, '../shared/bmc-sim');
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const CLK_TCK = 100;

function cpuTicks(pid: number): { self: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  // Fields 14-17 of proc(5) (utime, stime, cutime, cstime), offset by the two fields before ')'.
  return { self: f[11]! + f[12]!, children: f[13]! + f[14]! };
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

const dir = mkdtempSync(join(tmpdir(), 'kcloud-bench-agent-'));
const rapl = join(dir, 'powercap');
for (const [zone, name] of [['intel-rapl:0', 'package-0'], ['intel-rapl:1', 'package-1'], ['intel-rapl:0:0', 'dram']] as const) {
  mkdirSync(join(rapl, zone), { recursive: true });
  writeFileSync(join(rapl, zone, 'name'), `${name}\n`);
  writeFileSync(join(rapl, zone, 'energy_uj'), '1000000\n');
  writeFileSync(join(rapl, zone, 'max_energy_range_uj'), '262143328850\n');
}
const bmcPort = 9700;
const bmcPid = execFileSync(join(bmcSim, 'start.sh'), ['-p', String(bmcPort)], { encoding: 'utf8' }).trim();
const passwordFile = join(dir, 'bmc-password');
writeFileSync(passwordFile, 'kcloud-test\n', { mode: 0o600 });
const broker = await startMosquitto();

writeFileSync(
  join(dir, 'agent.yaml'),
  `node: bench-01
cluster: bench
dataDir: ${join(dir, 'data')}
mqtt: { url: "mqtt://127.0.0.1:${broker.port}" }
metrics: { listen: "127.0.0.1:0" }
collectors:
  gpu: { enabled: true, interval: 1s, nvidiaSmi: ${join(repo, 'test/fakes/nvidia-smi')} }
  dcgm: { enabled: false }
  ipmi: { enabled: true, interval: 10s, interface: lanplus, host: 127.0.0.1, port: ${bmcPort}, username: admin, passwordFile: ${passwordFile}, cipherSuite: 3, timeout: 5s }
  rapl: { enabled: true, interval: 1s, root: ${rapl} }
  host: { enabled: true, interval: 5s }
`,
);

// BENCH_NODE_FLAGS tries V8 settings (e.g. --max-semi-space-size=2) as the systemd unit would pass them.
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
// BENCH_AGENT_MAIN runs another build (a copy of dist/ beside it), to compare two builds back to back.
const agentMain = resolve(process.env.BENCH_AGENT_MAIN ?? join(repo, 'dist/agent/main.js'));
const agent = spawn(process.execPath, [...nodeFlags, agentMain, 'run', '--config', join(dir, 'agent.yaml')], {
  env: { ...process.env, FAKE_NVIDIA_SMI_SCENARIO: 'h100-80gb-hbm3-590.48.01-load', FAKE_NVIDIA_SMI_GPUS: '8' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const pid = agent.pid!;
try {
  // Start-up (module loading, first inventory) is not steady state: measure after a warm-up.
  await sleep(10_000);
  const t0 = cpuTicks(pid);
  const started = Date.now();
  await sleep(seconds * 1000);
  const t1 = cpuTicks(pid);
  const wall = (Date.now() - started) / 1000;
  const selfPct = ((t1.self - t0.self) / CLK_TCK / wall) * 100;
  const childPct = ((t1.children - t0.children) / CLK_TCK / wall) * 100;
  console.log(`agent (node process) CPU: ${selfPct.toFixed(2)} % of one core over ${wall.toFixed(0)} s (target <= 1 %)`);
  console.log(`exited children (ipmitool runs) CPU: ${childPct.toFixed(2)} % of one core`);
  console.log(`agent peak RSS: ${peakRssMb(pid).toFixed(1)} MB (target <= 80 MB)`);
} finally {
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  await broker.stop();
  execFileSync(join(bmcSim, 'stop.sh'), [bmcPid, '--clean']);
}

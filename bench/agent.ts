/**
 * Agent footprint benchmark: runs the real agent for 60 s (BENCH_SECONDS)
 * at 1 Hz with 8 simulated GPUs (the fake nvidia-smi replaying the H100 load
 * capture, replicated 8x), the ipmi_sim BMC over lanplus every 10 s, and a
 * fake RAPL tree, publishing to a real mosquitto, with the V8 flags of the
 * shipped unit (systemd/kcloud-agent.service's NODE_OPTIONS; BENCH_NODE_FLAGS
 * replaces them). Prints the agent's CPU as % of one core, its children's
 * (ipmitool: the live shell session and any exited runs) separately, and
 * its peak RSS. Targets: agent + children <= 1 % of a core, <= 50 MB RSS.
 * When node_exporter is installed (Debian prometheus-node-exporter) it runs
 * beside the agent, scraped once a second, and the ratios are printed.
 *
 * Measures the built agent (what systemd runs), so build first:
 *   npm run build && npx tsx bench/agent.ts
 * BENCH_IPMI_SHELL=false: the ipmitool per reading instead of the shell session.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { CLK_TCK, statFields } from './proc-stat.js';

const repo = resolve(import.meta.dirname, '..');
const bmcSim = resolve(repo, '../shared/bmc-sim');
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
function cpuTicks(pid: number): { self: number; children: number } {
  const f = statFields(pid);
  return { self: f[11]! + f[12]!, children: f[13]! + f[14]! };
}

/** CPU ticks of the live direct children of `pid`, by child pid (the ipmitool shell lives as long as the agent, so cutime never holds it). */
function liveChildTicks(pid: number): Map<number, { comm: string; ticks: number }> {
  const out = new Map<number, { comm: string; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    if (f[1] === pid) out.set(Number(entry), { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ticks: f[11]! + f[12]! + f[13]! + f[14]! });
  }
  return out;
}

/** Ticks of the process's children between two snapshots, by command name; `exited` is what children that ended meanwhile used (cutime: no name). */
function childTicks(t0: { children: number }, live0: Map<number, { ticks: number }>, t1: { children: number }, live1: Map<number, { comm: string; ticks: number }>): Map<string, number> {
  const out = new Map<string, number>([['exited', t1.children - t0.children]]);
  for (const [child, now] of live1) out.set(now.comm, (out.get(now.comm) ?? 0) + now.ticks - (live0.get(child)?.ticks ?? 0));
  return out;
}

/** A `kB` line of /proc/PID/status, in MB. */
function statusMb(pid: number, field: 'VmHWM' | 'RssAnon' | 'RssFile'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}
const peakRssMb = (pid: number) => statusMb(pid, 'VmHWM');
/**
 * RSS now, split: file-backed pages (for the agent mostly the node binary's code and built-in data, ~31 MB
 * in a bare `node --jitless`, shared with every node process and reclaimable) and anonymous memory (the
 * V8 heap, malloc, stacks: what the agent itself holds).
 */
const rssSplit = (pid: number) => `now ${statusMb(pid, 'RssAnon').toFixed(1)} MB anonymous + ${statusMb(pid, 'RssFile').toFixed(1)} MB file-backed`;

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
  ipmi: { enabled: true, interval: 10s, interface: lanplus, host: 127.0.0.1, port: ${bmcPort}, username: admin, passwordFile: ${passwordFile}, cipherSuite: 3, timeout: 5s, shell: ${process.env.BENCH_IPMI_SHELL ?? 'true'} }
  rapl: { enabled: true, interval: 1s, root: ${rapl} }
  host: { enabled: true, interval: 5s }
`,
);

/** The flags in the unit's `Environment="NODE_OPTIONS=..."` line. */
function unitNodeOptions(): string {
  return /^Environment="NODE_OPTIONS=([^"]*)"$/m.exec(readFileSync(join(repo, 'systemd/kcloud-agent.service'), 'utf8'))?.[1] ?? '';
}
// BENCH_NODE_FLAGS tries other V8 settings (e.g. --max-semi-space-size=2) in place of the unit's.
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? unitNodeOptions()).split(' ').filter(Boolean);
// BENCH_AGENT_MAIN runs another build (a copy of dist/ beside it), to compare two builds back to back.
const agentMain = resolve(process.env.BENCH_AGENT_MAIN ?? join(repo, 'dist/agent/main.js'));
const agent = spawn(process.execPath, [...nodeFlags, agentMain, 'run', '--config', join(dir, 'agent.yaml')], {
  // FAKE_NVIDIA_SMI_PMON: the fake's pmon replays the capture as a real driver's long-running pmon (unset, the fake
  // refuses it and the collector's restarts, a fake node process each, were counted as the agent's children).
  env: { ...process.env, FAKE_NVIDIA_SMI_SCENARIO: 'h100-80gb-hbm3-590.48.01-load', FAKE_NVIDIA_SMI_GPUS: '8', FAKE_NVIDIA_SMI_PMON: 'capture' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const pid = agent.pid!;

// node_exporter with its Debian defaults on a free port, scraped at 1 Hz as Prometheus would.
const exporterBin = ['/usr/bin/prometheus-node-exporter', '/usr/bin/node_exporter'].find((p) => existsSync(p));
const exporterPort = 9710;
const exporter = exporterBin ? spawn(exporterBin, [`--web.listen-address=127.0.0.1:${exporterPort}`], { stdio: 'ignore' }) : undefined;
const scraper = exporter ? setInterval(() => void fetch(`http://127.0.0.1:${exporterPort}/metrics`).then((r) => r.arrayBuffer(), () => undefined), 1000) : undefined;
try {
  // Start-up (module loading, first inventory) is not steady state: measure after a warm-up.
  await sleep(10_000);
  const [t0, live0, e0] = [cpuTicks(pid), liveChildTicks(pid), exporter ? cpuTicks(exporter.pid!) : undefined];
  const started = Date.now();
  // Anonymous RSS once a second: "now" is one moment of a sawtooth (the young generation fills and is collected), so the mean is what A/B runs compare.
  const anon: number[] = [];
  const sampler = setInterval(() => anon.push(statusMb(pid, 'RssAnon')), 1000);
  await sleep(seconds * 1000);
  clearInterval(sampler);
  const [t1, live1, e1] = [cpuTicks(pid), liveChildTicks(pid), exporter ? cpuTicks(exporter.pid!) : undefined];
  const wall = (Date.now() - started) / 1000;
  const pct = (ticks: number) => (ticks / CLK_TCK / wall) * 100;
  const selfPct = pct(t1.self - t0.self);
  const children = childTicks(t0, live0, t1, live1);
  const childPct = pct([...children.values()].reduce((a, b) => a + b, 0));
  const rss = peakRssMb(pid);
  console.log(`agent (node process) CPU: ${selfPct.toFixed(2)} % of one core over ${wall.toFixed(0)} s, flags "${nodeFlags.join(' ')}"`);
  // Per-call ipmitool runs show as `exited`; the shell session as a live `ipmitool`; the fake nvidia-smi is the bench's own stand-in.
  console.log(`children CPU: ${childPct.toFixed(2)} % of one core: ${[...children].map(([comm, ticks]) => `${comm} ${pct(ticks).toFixed(2)} %`).join(', ')}`);
  console.log(`agent + children: ${(selfPct + childPct).toFixed(2)} % of one core (target <= 1 %)`);
  console.log(`agent peak RSS: ${rss.toFixed(1)} MB (target <= 50 MB); ${rssSplit(pid)}`);
  console.log(`agent anonymous RSS over the run: mean ${(anon.reduce((a, b) => a + b, 0) / anon.length).toFixed(1)} MB, max ${Math.max(...anon).toFixed(1)} MB`);
  if (exporter && e0 && e1) {
    const ePct = pct(e1.self - e0.self);
    const eRss = peakRssMb(exporter.pid!);
    console.log(`node_exporter (${exporterBin}, scraped 1/s): ${ePct.toFixed(2)} % of one core, peak RSS ${eRss.toFixed(1)} MB; ${rssSplit(exporter.pid!)}`);
    console.log(`ratio agent+children / node_exporter: CPU ${((selfPct + childPct) / ePct).toFixed(2)}, RSS ${(rss / eRss).toFixed(2)}`);
  } else console.log('node_exporter not installed (apt-get install prometheus-node-exporter): no comparison');
} finally {
  if (scraper) clearInterval(scraper);
  exporter?.kill('SIGTERM');
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  await broker.stop();
  execFileSync(join(bmcSim, 'stop.sh'), [bmcPid, '--clean']);
  rmSync(dir, { recursive: true, force: true });
}

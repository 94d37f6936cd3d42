/**
 * Per-call wall time of `kcloud-hub query`, the built CLI as users run it
 * (`node <dist>/hub/main.js query ...`): on the store file (local mode) and
 * through a running hub's API (`--server`), on the same data.
 *
 *   npx tsx bench/cli.ts                       # dist/
 *   BENCH_CLI_DIST=/tmp/kc-after npx tsx bench/cli.ts
 *   BENCH_CLI_CALLS=20                         # calls per mode (default 10)
 *
 * Prints median and p90 per mode, and a plain `node -e 0` for the floor
 * that process start alone costs on this machine.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openTsdb, type TsdbRow } from '../hub/tsdb/store.js';
import { freePort } from '../test/helpers/mosquitto.js';

const DIST = resolve(process.env.BENCH_CLI_DIST ?? 'dist');
const CALLS = Number(process.env.BENCH_CLI_CALLS ?? 10);
const PASSWORD = 'bench-admin-password';
const NODES = 4;
const GPUS = 8;
const HOUR = 3_600_000;

const dir = mkdtempSync(join(tmpdir(), 'kcloud-bench-cli-'));
const dataDir = join(dir, 'data');
mkdirSync(dataDir, { recursive: true });
const [mqttPort, httpPort] = [await freePort(), await freePort()];
const config = join(dir, 'hub.yaml');
writeFileSync(config, `dataDir: ${dataDir}\nlog: { level: warn }\nbroker: { host: 127.0.0.1, port: ${mqttPort} }\nhttp: { host: 127.0.0.1, port: ${httpPort} }\n`);

// One hour of 10 s samples for 32 GPUs, ending now, written before the hub starts.
const now = Date.now();
const store = openTsdb(join(dataDir, 'tsdb.db'));
const rows: TsdbRow[] = [];
for (let ts = now - HOUR; ts < now; ts += 10_000) {
  for (let n = 0; n < NODES; n++) for (let g = 0; g < GPUS; g++) rows.push({ metric: 'gpu_power_watts', labels: { cluster: 'default', node: `gpu-${n}`, gpu: String(g) }, ts, value: 100 + n * 10 + g + (ts % 7) });
}
store.write(rows);
store.close();

const hub = spawn(process.execPath, [join(DIST, 'hub/main.js'), 'run', '--config', config], { env: { ...process.env, KCLOUD_ADMIN_PASSWORD: PASSWORD }, stdio: ['ignore', 'inherit', 'inherit'] });
const server = `http://127.0.0.1:${httpPort}`;
for (let tries = 0; ; tries++) {
  const ok = await fetch(`${server}/api/v1/system/health`).then((r) => r.status < 500, () => false);
  if (ok) break;
  if (tries > 600) throw new Error('hub did not start');
  await sleep(100);
}

const query = ['gpu_power_watts{node="gpu-1"}', '--start', String(now - HOUR), '--end', String(now), '--step', '1m', '--format', 'csv'];
const modes: Record<string, string[]> = {
  'node -e 0 (process start)': ['-e', '0'],
  local: [join(DIST, 'hub/main.js'), 'query', ...query, '--config', config],
  '--server': [join(DIST, 'hub/main.js'), 'query', ...query, '--server', server, '--user', 'admin'],
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

console.log(`kcloud-hub query per call, ${CALLS} calls per mode, CLI from ${DIST}`);
try {
  const outputs: Record<string, string> = {};
  for (const [mode, args] of Object.entries(modes)) {
    const times: number[] = [];
    try {
      for (let i = 0; i < CALLS; i++) {
        const t0 = performance.now();
        outputs[mode] = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KCLOUD_PASSWORD: PASSWORD } });
        times.push(performance.now() - t0);
      }
    } catch (err) {
      // An older build without --server: time what it has.
      console.log(`${mode.padEnd(28)} failed: ${String((err as { stderr?: string }).stderr ?? err).split('\n')[0]}`);
      continue;
    }
    times.sort((a, b) => a - b);
    console.log(`${mode.padEnd(28)} median ${percentile(times, 50).toFixed(0).padStart(5)} ms   p90 ${percentile(times, 90).toFixed(0).padStart(5)} ms`);
  }
  const rowsOf = (csv: string | undefined) => (csv ?? '').trim().split('\n').length - 1;
  console.log(`rows: local ${rowsOf(outputs.local)}, --server ${rowsOf(outputs['--server'])}${outputs.local === outputs['--server'] ? ' (identical output)' : ' (OUTPUTS DIFFER)'}`);
} finally {
  hub.kill('SIGTERM');
  await new Promise((r) => hub.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}

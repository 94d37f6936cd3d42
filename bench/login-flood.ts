/**
 * Legitimate HTTP logins while 200 MQTT CONNECTs with wrong passwords for a
 * known user name run without pause (issue 14, items 1 and 2): prints the
 * legitimate logins' p50/p99/max latency (target p99 < 1 s) without a flood,
 * with the flood from one source address (as in the issue) and with each
 * attacker on its own source address (127.0.1.x: a distributed flood that
 * meets no per-address limit and reaches the password checks), plus the
 * CONNACK codes the attackers got and the hub's CPU seconds per phase.
 * The hub is the built one (dist/); BENCH_HUB_SOURCE=1 runs hub/main.ts
 * through tsx.
 *
 *   BENCH_HUB_SOURCE=1 npx tsx bench/login-flood.ts   (BENCH_LOGINS=40, BENCH_ATTACKERS=200)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { httpFrom, mqttFrom, refusalCode } from '../test/helpers/source-address.js';
import { startBuiltHub } from './built-hub.js';

const logins = Number(process.env.BENCH_LOGINS ?? 40);
const attackers = Number(process.env.BENCH_ATTACKERS ?? 200);
const LEGIT = { username: 'alice', password: 'alice-legit-password' };

const hub = await startBuiltHub(new Map(), 'auth: { rateLimit: { anonymous: 1000000 } }\n');
const api = `http://127.0.0.1:${hub.httpPort}`;
const mqttUrl = `mqtt://127.0.0.1:${hub.mqttPort}`;

for (let tries = 0; ; tries++) {
  try {
    if ((await httpFrom('127.0.0.1', `${api}/api/v1/health`)).status === 200) break;
  } catch (err) {
    if (tries > 300) throw err;
  }
  await sleep(100);
}
const created = await httpFrom('127.0.0.1', `${api}/api/v1/users`, { method: 'POST', headers: { authorization: hub.authorization }, body: { ...LEGIT, role: 'user' } });
if (created.status !== 201) throw new Error(`cannot create the legitimate user: ${created.status} ${JSON.stringify(created.body)}`);

/** `logins` sequential logins of the legitimate user from 127.0.0.1: the latencies in ms of those that got in, and what the others got. */
async function legitimate(): Promise<{ ms: number[]; failed: string[] }> {
  const ms: number[] = [];
  const failed: string[] = [];
  for (let i = 0; i < logins; i++) {
    const t0 = performance.now();
    try {
      const res = await httpFrom('127.0.0.1', `${api}/api/v1/auth/login`, { method: 'POST', body: LEGIT });
      if (res.status === 200) ms.push(performance.now() - t0);
      else failed.push(`${res.status} ${res.body?.code}`);
    } catch (err) {
      failed.push((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    }
  }
  return { ms: ms.sort((a, b) => a - b), failed };
}

/** `attackers` loops, each CONNECTing as admin with a wrong password again as soon as it is answered, until stopped. */
function flood(source: (i: number) => string) {
  let running = true;
  const codes = new Map<string, number>();
  const loops = Array.from({ length: attackers }, async (_, i) => {
    while (running) {
      const code = String(await refusalCode(mqttFrom(source(i), mqttUrl, { username: 'admin', password: `wrong-${i}`, clientId: `flood-${i}` })));
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return [...codes].sort().map(([c, n]) => `${c === '4' ? 'bad credentials (4)' : c === '5' ? 'throttled (5)' : c === '3' ? 'busy/unavailable (3)' : c}: ${n}`).join(', ');
    },
  };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const line = (what: string, { ms, failed }: { ms: number[]; failed: string[] }, cpu: number, extra = '') =>
  console.log(
    `${what.padEnd(34)} logins ${ms.length}  p50 ${pct(ms, 50).toFixed(0)} ms  p99 ${pct(ms, 99).toFixed(0)} ms  max ${ms.at(-1)!.toFixed(0)} ms  hub CPU ${cpu.toFixed(1)} s` +
      `${failed.length ? `  not in: ${failed.join(', ')}` : ''}${extra}`,
  );

async function phase(what: string, source: ((i: number) => string) | null): Promise<void> {
  const cpu0 = hub.cpuSeconds();
  const attack = source ? flood(source) : null;
  // Let every attacker's first CONNECT reach the hub before measuring.
  if (attack) await sleep(2000);
  const result = await legitimate();
  const codes = attack ? await attack.stop() : '';
  line(what, result, hub.cpuSeconds() - cpu0, codes && `\n${''.padEnd(34)} attackers' CONNACKs: ${codes}`);
}

try {
  await phase('no flood', null);
  await phase(`${attackers} CONNECTs, one source`, () => '127.0.0.2');
  await phase(`${attackers} CONNECTs, ${attackers} sources`, (i) => `127.0.1.${(i % 250) + 1}`);
} finally {
  await hub.stop();
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from '../../../helpers/mosquitto.js';

/** pip installs moto_server under pyenv's shims; CI's PATH may not include them. */
const FALLBACK = '/root/.pyenv/shims/moto_server';

/** moto_server's path: the one on PATH, else pyenv's shim; a missing one fails the suite (these tests must not be skipped). */
export function motoServerPath(): string {
  const found = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  const onPath = found.status === 0 ? found.stdout.trim() : '';
  if (onPath) return onPath;
  if (existsSync(FALLBACK)) return FALLBACK;
  throw new Error('moto_server not found on PATH nor at /root/.pyenv/shims/moto_server: install it with `pip install "moto[server]==5.2.1"`');
}

export interface Moto {
  endpoint: string;
  /** moto's own API (seeding Cost Explorer results, resetting). */
  post(path: string, body: unknown): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * A real AWS emulator (EC2, Cost Explorer, STS) on a free loopback port.
 * `env` switches moto features, e.g. INITIAL_NO_AUTH_ACTION_COUNT=0 for
 * moto to check every request's access key.
 */
export async function startMoto(env: Record<string, string> = {}): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn(motoServerPath(), ['-H', '127.0.0.1', '-p', String(port)], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  // Ready once it answers its own API; a child that exited fails at once with its output.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    post: (path, body) => fetch(`${endpoint}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

export interface MosquittoOptions {
  /** Lines appended after `listener <port> 127.0.0.1`, so listener options (cafile, certfile, ...) apply to it. */
  extraConfig?: string;
  /** false requires a `password_file` in extraConfig. */
  allowAnonymous?: boolean;
  /** `mqtt` (default) or `mqtts` for the url. */
  scheme?: 'mqtt' | 'mqtts';
}

export interface Mosquitto {
  port: number;
  url: string;
  /** Folder holding the generated config (free for the test's own files). */
  dir: string;
  /** Stops the broker (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the broker (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** What mosquitto wrote to stderr (for failure messages). */
  output(): string;
}

/**
 * Runs a real mosquitto on a free loopback port with a generated config
 * (anonymous access and no persistence unless the options say otherwise).
 */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  if (!MOSQUITTO) throw new Error('mosquitto is not installed (looked in /usr/sbin and /usr/bin): apt-get install -y mosquitto mosquitto-clients');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      // Started as root, mosquitto drops to user mosquitto, who cannot read the test's 0700 temp dirs.
      process.getuid?.() === 0 ? 'user root' : '',
      `listener ${port} 127.0.0.1`,
      `allow_anonymous ${opts.allowAnonymous ?? true}`,
      'persistence false',
      opts.extraConfig ?? '',
    ].join('\n') + '\n',
  );
  let child: ChildProcess | null = null;
  let stderr = '';

  const start = async () => {
    const c = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (c.exitCode !== null) throw new Error(`mosquitto exited with ${c.exitCode} on port ${port}:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within 10 s:\n${stderr}`);
      await sleep(50);
    }
  };
  const end = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };

  await start();
  return {
    port,
    url: `${opts.scheme ?? 'mqtt'}://127.0.0.1:${port}`,
    dir,
    start,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    output: () => stderr,
  };
}

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

interface Service {
  child: ReturnType<typeof spawn>;
  events: string[];
  logs: string;
  /** Resolves once the service printed `event`. */
  reached: (event: string) => Promise<void>;
  exited: Promise<number | null>;
}

const running: Service[] = [];
afterEach(() => {
  for (const s of running.splice(0)) s.child.kill('SIGKILL');
});

function runService(...args: string[]): Service {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/shared/fixtures/signal-service.ts'), ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  const s: Service = {
    child,
    events: [],
    logs: '',
    reached: (event) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!s.events.includes(event)) return;
          child.stdout!.off('data', check);
          resolve();
        };
        child.stdout!.on('data', check);
        check();
      }),
    exited: once(child, 'exit').then(([code]) => code as number | null),
  };
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) s.events.push((JSON.parse(line) as { event: string }).event);
  });
  child.stderr!.on('data', (d: Buffer) => (s.logs += d.toString()));
  running.push(s);
  return s;
}

describe('runUntilSignal (kcloud-agent run, kcloud-hub run)', () => {
  it('stops on SIGTERM and exits 0', async () => {
    const s = runService();
    await s.reached('started');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.events).toEqual(['starting', 'started', 'stopping', 'stopped']);
    expect(s.logs).toContain('"signal":"SIGTERM"');
  });

  it('serves a signal that came during the start once the start is done: a clean stop, not a kill', async () => {
    const s = runService('wait-start');
    await s.reached('starting');
    s.child.kill('SIGINT');
    // The handler is in place: the process is still alive and waits for its start.
    await new Promise((resolve) => s.child.stdin!.write('go\n', resolve));
    expect(await s.exited).toBe(0);
    expect(s.events).toEqual(['starting', 'started', 'stopping', 'stopped']);
  });

  it('exits 1 at once on a second signal while the stop hangs', async () => {
    const s = runService('hang-stop');
    await s.reached('started');
    s.child.kill('SIGTERM');
    await s.reached('stopping');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(1);
    expect(s.events).not.toContain('stopped');
    expect(s.logs).toContain('second signal while stopping');
  });

  it('exits 1 when the stop outlasts its bound, saying what it leaves', async () => {
    const s = runService('hang-stop', '300');
    await s.reached('started');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(1);
    expect(s.logs).toMatch(/stop did not finish in time; exiting \(nothing\)/);
  });

  it('exits 1 with the reason when the start fails', async () => {
    const s = runService('fail-start');
    expect(await s.exited).toBe(1);
    expect(s.logs).toMatch(/"level":60.*cannot start.*test service failed to start/);
  });
});

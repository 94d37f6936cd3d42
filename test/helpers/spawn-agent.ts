import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
export const SHARED = resolve(REPO, '../shared');

/** Writes a YAML config into a fresh temp dir and returns its path. */
export function writeConfig(yaml: string, dir = mkdtempSync(join(tmpdir(), 'kcloud-agent-'))): string {
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** Runs `kcloud-agent <args>` from source as a real child process. */
export function spawnAgent(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { logs: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'agent/main.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { logs: string[] };
  child.logs = [];
  child.stderr!.on('data', (d: Buffer) => child.logs.push(d.toString()));
  child.stdout!.on('data', (d: Buffer) => child.logs.push(d.toString()));
  return child;
}

/** Runs the agent CLI to completion and returns its exit code and output. */
export async function runAgentCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'agent/main.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? -1)));
  return { code, stdout, stderr };
}

/** Waits until `cond` holds, polling every 50 ms. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends `signal` and resolves once the child has exited (at once if it already has). */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO, runProgram, spawnProgram } from './cli.js';

export { REPO };
export const SHARED = resolve(REPO, '../shared');

/** Writes a YAML config into a fresh temp dir and returns its path. */
export function writeConfig(yaml: string, dir = mkdtempSync(join(tmpdir(), 'kcloud-agent-'))): string {
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** Runs `kcloud-agent <args>` from source as a real child process. */
export function spawnAgent(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { logs: string[] } {
  return spawnProgram('agent/main.ts', args, env);
}

/** Runs the agent CLI to completion and returns its exit code and output. */
export function runAgentCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runProgram('agent/main.ts', args, env);
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

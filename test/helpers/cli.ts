import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');

/** A program of this repository, run from source through tsx. */
export type Program = 'agent/main.ts' | 'hub/main.ts';

/** Starts `program <args>` as a long-running child, keeping its output in `logs`. */
export function spawnProgram(program: Program, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { logs: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, program), ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { logs: string[] };
  child.logs = [];
  child.stderr!.on('data', (d: Buffer) => child.logs.push(d.toString()));
  child.stdout!.on('data', (d: Buffer) => child.logs.push(d.toString()));
  return child;
}

/** Runs `program <args>` to completion (with `input` on its stdin, else none) and returns its exit code and output. */
export async function runProgram(program: Program, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, program), ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin!.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? -1)));
  return { code, stdout, stderr };
}

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineProcess } from '../../../agent/collectors/line-process.js';
import { memoryLogger } from '../../helpers/logger.js';

/** Running, not gone and not a zombie waiting for a reaper (its parent, the wrapper, is dead). */
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
};

/**
 * A wrapper like `nvidia-smi "$@" | sed ...` that does not exec: the real
 * work is a child of the wrapper that ignores SIGTERM (as a stuck driver
 * call would) and holds the stdout pipe. Its pid goes to `pidFile`.
 */
function wrapperScript(dir: string, pidFile: string): string {
  const file = join(dir, 'nvidia-smi-wrapper');
  writeFileSync(file, `#!/bin/sh\nsh -c 'echo $$ > ${pidFile}; trap "" TERM; while :; do echo line; sleep 0.05; done'\n`, { mode: 0o755 });
  return file;
}

describe('LineProcess', () => {
  it('stops a wrapper whose children ignore SIGTERM and hold the pipe: SIGTERM to the group, then SIGKILL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-line-'));
    const pidFile = join(dir, 'inner.pid');
    const { log, lines } = memoryLogger();
    let firstLine!: () => void;
    const started = new Promise<void>((resolve) => (firstLine = resolve));
    const proc = new LineProcess({ file: wrapperScript(dir, pidFile), args: [], onLine: () => firstLine(), log, what: 'wrapper', killAfterMs: 200 });
    proc.start();
    await started;
    const inner = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(inner)).toBe(true);

    await proc.stop();
    expect(alive(inner)).toBe(false);
    expect(lines().some((l) => l.msg === 'wrapper did not stop on SIGTERM; killing its process group')).toBe(true);
    expect(proc.restarts).toBe(0);
  });

  it('stops a well-behaved child with SIGTERM alone', async () => {
    const { log, lines } = memoryLogger();
    let firstLine!: () => void;
    const started = new Promise<void>((resolve) => (firstLine = resolve));
    const proc = new LineProcess({ file: 'sh', args: ['-c', 'while :; do echo line; sleep 0.05; done'], onLine: () => firstLine(), log, what: 'plain' });
    proc.start();
    await started;
    await proc.stop();
    expect(lines().filter((l) => String(l.msg).includes('killing'))).toEqual([]);
  });
});

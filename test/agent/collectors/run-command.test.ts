import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../agent/collectors/run-command.js';

/** Running (not exited, and not an exited zombie waiting for init to reap it). */
const running = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('runCommand', () => {
  it('collects stdout and stderr, without the final newline', async () => {
    expect(await runCommand('sh', ['-c', 'printf "a\\nb\\n"; echo oops >&2'])).toEqual({
      exitCode: 0,
      signal: null,
      stdout: 'a\nb',
      stderr: 'oops',
      timedOut: false,
      failure: '',
    });
  });

  it('passes arguments as they are, never through a shell', async () => {
    const r = await runCommand('printf', ['%s|', '$(id)', 'a b', '; rm -rf /']);
    expect(r.stdout).toBe('$(id)|a b|; rm -rf /|');
  });

  it('says how a failing command exited', async () => {
    const r = await runCommand('sh', ['-c', 'echo nope >&2; exit 3']);
    expect(r).toMatchObject({ exitCode: 3, signal: null, stderr: 'nope', failure: 'exit 3' });
  });

  it('reports a command that cannot start by its error code', async () => {
    const r = await runCommand('/nonexistent/nvidia-smi', ['-L']);
    expect(r).toMatchObject({ exitCode: null, code: 'ENOENT', stdout: '', failure: 'not started: ENOENT' });
  });

  it('kills a command that outlives its timeout with the kill signal', async () => {
    const r = await runCommand('sleep', ['30'], { timeoutMs: 50, killSignal: 'SIGKILL' });
    expect(r).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: true, failure: 'timed out after 50 ms' });
  });

  it('kills the command when the signal aborts, and at once when it already has', async () => {
    const abort = new AbortController();
    const sleeping = runCommand('sleep', ['30'], { signal: abort.signal });
    abort.abort();
    expect(await sleeping).toMatchObject({ signal: 'SIGTERM', timedOut: false, failure: 'killed by SIGTERM' });
    expect(await runCommand('sleep', ['30'], { signal: abort.signal })).toMatchObject({ signal: 'SIGTERM' });
  });

  it('adds env to the agent environment', async () => {
    const r = await runCommand('sh', ['-c', 'echo "$LC_ALL $HOME"'], { env: { LC_ALL: 'C' } });
    expect(r.stdout).toBe(`C ${process.env.HOME}`);
  });

  it('closes stdin', async () => {
    expect(await runCommand('cat', [])).toMatchObject({ exitCode: 0, stdout: '' });
  });

  it('with group, a timeout kills what a wrapper started too', async () => {
    // The wrapper prints its child's pid and waits; the child holds stdout open, so without the group kill this would not end for 30 s.
    const r = await runCommand('sh', ['-c', 'sleep 30 & echo $!; wait'], { timeoutMs: 200, killSignal: 'SIGKILL', group: true });
    expect(r.timedOut).toBe(true);
    expect(running(Number(r.stdout))).toBe(false);
  });
});

import { Command } from 'commander';
import { vi } from 'vitest';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * Runs one registered subcommand in this process and returns what a shell
 * would see: exit code (process.exit or process.exitCode), stdout, stderr.
 */
export async function runInProcess(register: (p: Command) => void, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const program = new Command('kcloud-agent').exitOverride();
  program.configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
  register(program);
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => {
    stderr += parts.join(' ') + '\n';
  });
  const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Exit(Number(code ?? 0));
  });
  process.exitCode = undefined;
  let code: number;
  try {
    await program.parseAsync(args, { from: 'user' });
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof Exit) code = e.code;
    else if (e instanceof Error && 'exitCode' in e) code = Number(e.exitCode);
    else throw e;
  } finally {
    process.exitCode = undefined;
    out.mockRestore();
    err.mockRestore();
    exit.mockRestore();
  }
  return { code, stdout, stderr };
}

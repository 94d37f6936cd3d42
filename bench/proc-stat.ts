import { readFileSync } from 'node:fs';

/** Clock ticks per second of proc(5)'s CPU times (USER_HZ: 100 on Linux). */
export const CLK_TCK = 100;

/**
 * The numeric fields of `/proc/<pid>/stat` from field 3 on (index 0 is the
 * state), counted after the ')' that ends the command name, which may hold
 * spaces and parentheses: utime is index 11, stime 12, cutime 13, cstime 14.
 */
export function statFields(pid: number | 'self'): number[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
}

/** User + system CPU seconds of a running process (proc(5) fields 14, 15). */
export function processCpuSeconds(pid: number | 'self'): number {
  const f = statFields(pid);
  return (f[11]! + f[12]!) / CLK_TCK;
}

/** CPU seconds of this process's children that have exited and been waited for (cutime + cstime). */
export function childrenCpuSeconds(): number {
  const f = statFields('self');
  return (f[13]! + f[14]!) / CLK_TCK;
}

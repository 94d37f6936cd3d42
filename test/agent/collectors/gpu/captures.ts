import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The nvidia_gpu_exporter capture files (real GPUs, every nvidia-smi output of one machine). */
export const CAPTURES = resolve(import.meta.dirname, '../../../../../shared/fixtures/nvidia-smi-captures');

export const captureFiles = () => readdirSync(CAPTURES).filter((f) => f.endsWith('.txt'));

/** The body of the section headed `# <title>` in a capture file, between its banner and the next one. */
export function captureSection(file: string, title: string): string {
  const lines = readFileSync(`${CAPTURES}/${file}`, 'utf8').split('\n');
  let i = lines.indexOf(`# ${title}`);
  if (i < 0) throw new Error(`${file} has no section ${title}`);
  while (lines[i]?.startsWith('#')) i++;
  const body: string[] = [];
  for (; i < lines.length && !lines[i]!.startsWith('####'); i++) body.push(lines[i]!);
  return body.join('\n');
}

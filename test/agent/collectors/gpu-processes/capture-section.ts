import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** ../shared/fixtures beside the checkout (in CI the checkout sits beside shared/). */
export const FIXTURES = resolve(import.meta.dirname, '../../../../../shared/fixtures');

/** The raw lines under `# <title>` in an nvidia_gpu_exporter capture file, up to the next banner. */
export function captureSection(capture: string, title: string): string {
  const lines = readFileSync(resolve(FIXTURES, 'nvidia-smi-captures', `${capture}.txt`), 'utf8').split('\n');
  let i = lines.indexOf(`# ${title}`);
  if (i < 0) throw new Error(`${capture} has no section ${title}`);
  i += 1;
  while (lines[i]?.startsWith('#')) i += 1;
  const body: string[] = [];
  for (; i < lines.length && !lines[i]!.startsWith('####'); i += 1) body.push(lines[i]!);
  return body.join('\n');
}

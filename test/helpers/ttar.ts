import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Unpacks a ttar ("tar as text", prometheus/procfs test fixtures) into `dest`:
 * `Directory: p` / `Path: p` + `Lines: n` + n lines of content, each entry
 * followed by `Mode:` and a `# ttar - - -` separator.
 */
export function unpackTtar(file: string, dest: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('Directory: ')) {
      mkdirSync(join(dest, line.slice(11)), { recursive: true });
    } else if (line.startsWith('Path: ')) {
      const path = join(dest, line.slice(6));
      const count = Number(/^Lines: (\d+)$/.exec(lines[++i]!)?.[1]);
      const content = lines.slice(i + 1, i + 1 + count);
      i += count;
      writeFileSync(path, count === 0 ? '' : content.join('\n') + '\n');
    }
  }
}

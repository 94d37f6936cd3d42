import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

/**
 * Unpacks a ttar ("tar as text", the format of prometheus/procfs test
 * fixtures) into `dest`, following ttar's own `extract`:
 *
 *   Directory: fixtures/sys/class/powercap/intel-rapl:a
 *   Path: fixtures/sys/class/powercap/intel-rapl:a/name
 *   Lines: 1
 *   package-10
 *   Mode: 444
 *   # ttar - - - ...
 *
 * Content lines carry `NULLBYTE` for \0 and a trailing `EOF` when the file
 * has no final newline (`\NULLBYTE`, `\EOF` escape the literals); `SymlinkTo:`
 * makes the last `Path:` a symlink. Returns `dest`.
 */
export function unpackTtar(file: string, dest = mkdtempSync(join(tmpdir(), 'kcloud-ttar-'))): string {
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const inside = (p: string) => {
    const abs = resolve(dest, p);
    if (relative(dest, abs).startsWith('..')) throw new Error(`${file}: path ${p} leaves the destination`);
    return abs;
  };
  let path = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const [keyword, value = ''] = splitKeyword(line);
    switch (keyword) {
      case 'Directory':
        path = inside(value);
        mkdirSync(path, { recursive: true });
        break;
      case 'Path':
        path = inside(value);
        break;
      case 'Lines': {
        const count = Number(value);
        if (!Number.isInteger(count) || count < 0) throw new Error(`${file}:${i + 1}: bad line count ${value}`);
        writeFileSync(path, Buffer.concat(lines.slice(i + 1, i + 1 + count).map(decodeLine)));
        i += count;
        break;
      }
      case 'Mode':
        chmodSync(path, Number.parseInt(value, 8));
        break;
      case 'SymlinkTo':
        symlinkSync(value, path);
        break;
      default:
        if (!line.startsWith('#')) throw new Error(`${file}:${i + 1}: unknown ttar keyword in ${JSON.stringify(line)}`);
    }
  }
  return dest;
}

function splitKeyword(line: string): [string, string?] {
  const m = /^(Directory|Path|Lines|Mode|SymlinkTo): (.*)$/.exec(line);
  return m ? [m[1]!, m[2]!] : [line];
}

/** One content line back to its bytes: unescaped, with its newline unless it ends in a bare `EOF`. */
function decodeLine(line: string): Buffer {
  const noNewline = /(^|[^\\])EOF$/.test(line);
  const body = (noNewline ? line.slice(0, -3) : line)
    .replace(/(^|[^\\])NULLBYTE/g, '$1\0')
    .replace(/(^|[^\\])NULLBYTE/g, '$1\0')
    .replace(/\\NULLBYTE/g, 'NULLBYTE')
    .replace(/\\EOF/g, 'EOF');
  return Buffer.from(noNewline ? body : `${body}\n`, 'utf8');
}

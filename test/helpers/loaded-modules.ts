import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { REPO } from './cli.js';

/**
 * The files a fresh Node process has loaded after running `script`: the
 * CommonJS ones from require.cache (ESM imports of CommonJS packages land
 * there too) and every ES module, written down by a resolve hook (the Azure
 * SDKs are ES modules, which require.cache never sees).
 */
export async function loadedAfter(script: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-sdk-loading-'));
  const log = join(dir, 'resolved.txt');
  writeFileSync(log, '');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const r = await next(specifier, context);\n  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');\n  return r;\n}\n`);
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const probe = `${script}\nconst { createRequire } = await import('node:module');\nconsole.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', register, '--import', 'tsx', '--input-type=module', '-e', probe], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
  const esm = readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url));
  return [...(JSON.parse(stdout.trim().split('\n').at(-1)!) as string[]), ...esm];
}

/** Whether a loaded file belongs to package `pkg` (e.g. join('@aws-sdk', 'client-ec2')). */
export const inPackage = (pkg: string) => (file: string) => file.includes(join('node_modules', pkg, ''));

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Sources run from shared/ (package.json one level up), the build from dist/shared/ (two levels up). */
function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(rel) as { name?: string; version?: string };
      if (pkg.name === 'kcloud' && pkg.version) return pkg.version;
    } catch {
      // not at this depth; try the next
    }
  }
  return '0.0.0';
}

/** The package version, shown by `--version` and sent in status messages. */
export const VERSION = readVersion();

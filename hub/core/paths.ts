import { join } from 'node:path';

/** The hub's files inside dataDir (docs/hub.md, "Files in dataDir"). */
export function hubFiles(dataDir: string) {
  return { db: join(dataDir, 'hub.db'), tsdb: join(dataDir, 'tsdb.db') };
}

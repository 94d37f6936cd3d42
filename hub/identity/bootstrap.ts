import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMeta, setMeta, type HubDb } from '../core/db.js';
import { generatePassword } from './passwords.js';
import { UserStore } from './users.js';

export interface AdminBootstrap {
  /** Where the generated password was written; null when it came from KCLOUD_ADMIN_PASSWORD. */
  passwordFile: string | null;
  /** The generated password, to print once; null when it came from the environment. */
  generated: string | null;
}

/**
 * First start: creates the `admin` user. There is no default password: it is
 * KCLOUD_ADMIN_PASSWORD when set, else random and written to
 * `<dataDir>/admin-password` (0600). KCLOUD_ADMIN_EMAIL, when set, becomes
 * its email, so skyclust's email login works for the admin too. Runs once per hub.db (a meta flag), so
 * an operator who deletes or renames admin later does not get it back.
 */
export async function ensureAdmin(db: HubDb, dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<AdminBootstrap | null> {
  if (getMeta(db, 'admin_bootstrapped') !== null) return null;
  const users = new UserStore(db);
  // Created with `kcloud-hub user add admin` before the first start: nothing to do.
  if (users.byName('admin')) {
    setMeta(db, 'admin_bootstrapped', String(Date.now()));
    return null;
  }
  const fromEnv = env.KCLOUD_ADMIN_PASSWORD || null;
  const password = fromEnv ?? generatePassword();
  await users.add('admin', 'admin', password, env.KCLOUD_ADMIN_EMAIL || null);
  let passwordFile: string | null = null;
  if (!fromEnv) {
    passwordFile = join(dataDir, 'admin-password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    // `mode` only applies to a new file; a left-over one keeps its bits otherwise.
    chmodSync(passwordFile, 0o600);
  }
  setMeta(db, 'admin_bootstrapped', String(Date.now()));
  return { passwordFile, generated: fromEnv ? null : password };
}

import { readFileSync } from 'node:fs';
import type { ClusterConfig } from './config.js';
import { splitUrlCredentials } from '../core/url-credentials.js';

/** First line of a secret file (a trailing newline is not part of the secret). */
function secret(file: string, key: string): string {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[0]!;
  } catch (err) {
    throw new Error(`config key "${key}": cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/**
 * The `Authorization` header towards a cluster's Prometheus: Basic from
 * `username` + `passwordFile` or from the url's `user:password@`, Bearer
 * from `bearerTokenFile`, or none. Read once at start; errors name the
 * config key (not the secret).
 */
export function prometheusAuthorization(c: ClusterConfig, index: number): string | null {
  const key = (k: string) => `clusters.${index}.${k}`;
  const inUrl = c.url ? splitUrlCredentials(c.url).credentials : null;
  if (inUrl) {
    if (c.bearerTokenFile || c.username || c.passwordFile) throw new Error(`config key "${key('url')}": credentials in the url and in username/passwordFile/bearerTokenFile; use one`);
    return basic(inUrl.username, inUrl.password);
  }
  if (c.bearerTokenFile && (c.username || c.passwordFile)) throw new Error(`config key "${key('bearerTokenFile')}": use either bearerTokenFile or username/passwordFile, not both`);
  if (c.bearerTokenFile) return `Bearer ${secret(c.bearerTokenFile, key('bearerTokenFile'))}`;
  if (!c.username && !c.passwordFile) return null;
  if (!c.username || !c.passwordFile) throw new Error(`config key "${key(c.username ? 'passwordFile' : 'username')}": Basic auth needs both username and passwordFile`);
  return basic(c.username, secret(c.passwordFile, key('passwordFile')));
}

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SecretStore } from './secrets.js';

/** Prefix of a keyed node-password digest in nodes.password_hash (argon2 hashes start with `$argon2`). */
const PREFIX = 'hmac-sha256$';
/** The secrets-box row of the key (the hub's own: `kcloud-hub secrets set` refuses it). */
export const NODE_KEY_SECRET = 'node-credential-key';

/**
 * Node passwords are random 144-bit secrets (generatePassword), so a keyed
 * hash is as safe as argon2 against guessing and costs microseconds instead
 * of ~0.3 s and 64 MiB: a reconnect storm or a CONNECT flood for node names
 * no longer ties up the CPU. The key lives in the secrets box (encrypted in
 * hub.db), so a copy of hub.db alone does not allow offline checks.
 */
export function machineDigest(key: Buffer, password: string): string {
  return PREFIX + createHmac('sha256', key).update(password, 'utf8').digest('base64url');
}

export function isMachineDigest(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** Constant-time comparison of the password's digest with the stored one. */
export function verifyMachineDigest(key: Buffer, stored: string, password: string): boolean {
  const a = Buffer.from(machineDigest(key, password));
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The hub's node-credential key from the secrets box, created (32 random bytes) on first use. */
export function nodeCredentialKey(secrets: SecretStore): Buffer {
  const stored = secrets.get(NODE_KEY_SECRET);
  if (stored) return Buffer.from(stored, 'base64');
  const key = randomBytes(32);
  secrets.put(NODE_KEY_SECRET, key.toString('base64'));
  return key;
}

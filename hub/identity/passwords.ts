import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';

/** A random 24-character base64url password (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** argon2id hash with the library's defaults (64 MiB, t=3, p=4): ~0.1-0.3 s, which is why brokers cache verifications. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

/** Checks a password against a stored hash; a malformed hash is a refusal, not an error. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let unknownHash: Promise<string> | null = null;
/** An argon2 hash of a random password nobody knows: unknown names are checked against it, so they take as long as known ones. */
export function unknownAccountHash(): Promise<string> {
  return (unknownHash ??= hashPassword(generatePassword()));
}

import { NODE_KEY_SECRET } from './machine-credentials.js';

/** Longest secret value the CLI stores (tokens, passwords, PEM keys fit; a mistaken file does not). */
export const MAX_SECRET_BYTES = 64 * 1024;

/**
 * Names an operator may set and delete with `kcloud-hub secrets` (the ones
 * hub.yaml refers to, e.g. storage.remoteWrite[].bearerTokenSecret). The
 * hub's own rows all carry a `/` (`proxmox/<id>`, `cloud-credential/<id>`,
 * `vault/<path>`) or are its node-credential key: those belong to the APIs
 * that write them, so the CLI never overwrites or removes them.
 */
const OPERATOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Null when an operator may use the name, else why not. */
export function operatorSecretNameProblem(name: string): string | null {
  if (name === NODE_KEY_SECRET) return `'${name}' is the hub's own node-credential key`;
  if (name.includes('/')) return `'${name}' is a name the hub uses for what its APIs store (names with '/'); set those through the API`;
  if (!OPERATOR_NAME.test(name)) return `'${name}' is not a secret name: 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`;
  return null;
}

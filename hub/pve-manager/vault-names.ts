/** A vault path's row in the hub's secrets box (`secrets` table): `vault/<path>`, the value a JSON object. */
export const vaultSecretName = (path: string) => `vault/${path}`;

/** Where the servers' SSH public key is read from (`public_key` of vault path secret/ssh). */
export const SSH_KEY_PATH = 'secret/ssh';

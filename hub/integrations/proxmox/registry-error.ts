/** A refused registry operation, with the status proxmoxer-cluster-api.md documents for it. */
export class RegistryError extends Error {
  override name = 'RegistryError';
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 502,
    message: string,
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
  }
}

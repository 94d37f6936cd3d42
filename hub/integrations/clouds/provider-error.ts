export type CloudProvider = 'aws' | 'gcp' | 'azure';
export const CLOUD_PROVIDERS: readonly CloudProvider[] = ['aws', 'gcp', 'azure'];

/**
 * A provider refused a call (wrong key, invalid AMI, quota, permission) or
 * could not be reached. `code` and `message` are the provider's own words;
 * `kind` says whose fault it is, so the routes answer 400 or 503.
 */
export class CloudProviderError extends Error {
  override name = 'CloudProviderError';
  constructor(
    readonly provider: CloudProvider,
    readonly code: string,
    message: string,
    readonly kind: 'refused' | 'unreachable',
  ) {
    super(message);
  }
}

/** A provider whose VMs or validation this hub does not implement yet: a clear refusal, not a fake success. */
export class NotImplementedError extends Error {
  override name = 'NotImplementedError';
}

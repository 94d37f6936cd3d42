import { CloudProviderError } from '../provider-error.js';

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/**
 * An AWS SDK error as the provider's code and message. A service answer
 * (`$metadata.httpStatusCode` set) is the provider refusing (AuthFailure,
 * InvalidAMIID.NotFound, InstanceLimitExceeded, UnauthorizedOperation) unless
 * it is a 5xx; no answer at all (connection refused, timeout) is unreachable.
 */
export function awsError(err: unknown): CloudProviderError {
  // Already mapped (an assumed role's STS refusal surfacing through an EC2 call).
  if (err instanceof CloudProviderError) return err;
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const code = e.Code ?? e.name ?? 'Unknown';
  const message = e.message || 'no message';
  if (status === undefined || status >= 500) return new CloudProviderError('aws', status === undefined ? 'Unreachable' : code, message, 'unreachable');
  return new CloudProviderError('aws', code, message, 'refused');
}

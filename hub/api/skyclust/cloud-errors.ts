import { CloudProviderError, NotImplementedError } from '../../integrations/clouds/provider-error.js';
import { ApiError, invalidParameter } from '../errors.js';

/**
 * A provider's refusal as the skyclust error body: 400 VALIDATION_ERROR
 * naming `field` with the provider's code and message (wrong key, invalid
 * AMI, quota, permission); an unreachable provider 503; a provider this hub
 * does not implement 400 naming `provider`, saying so.
 */
export function cloudApiError(err: unknown, field: string): unknown {
  if (err instanceof NotImplementedError) return invalidParameter('provider', err.message);
  if (!(err instanceof CloudProviderError)) return err;
  const details = { provider: err.provider, provider_code: err.code, provider_message: err.message };
  if (err.kind === 'unreachable') return new ApiError('SERVICE_UNAVAILABLE', `${err.provider} did not answer: ${err.code}: ${err.message}`, details);
  const e = invalidParameter(field, `${err.provider} refused: ${err.code}: ${err.message}`);
  return new ApiError(e.code, e.message, { ...e.details, ...details });
}

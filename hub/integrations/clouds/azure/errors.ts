import { CloudProviderError } from '../provider-error.js';

interface SdkError {
  name?: string;
  message?: string;
  /** RestError: ARM's `error.code` (InvalidParameter, QuotaExceeded...), or Node's (ECONNREFUSED) when nothing answered. */
  code?: string;
  statusCode?: number;
}

/**
 * Entra ID's refusal as @azure/identity 4.13 passes it on from MSAL: an
 * AuthenticationRequiredError whose message alone keeps the answer,
 * `invalid_client: Error(s): 7000215 - Timestamp: ... - Description:
 * AADSTS7000215: Invalid client secret provided. ... - Correlation ID: ...
 * - Trace ID: ...`. Null for MSAL's own failures (network_error...), which
 * carry no AADSTS description.
 */
function entraRefusal(message: string): { code: string; message: string } | null {
  const m = /^([a-z_]+): Error\(s\): [\d ,]+ - .*?Description: (AADSTS\d+: .*?)(?: - Correlation ID: .*| - Trace ID: .*)?$/s.exec(message);
  return m ? { code: m[1]!, message: m[2]!.trim() } : null;
}

/**
 * An Azure SDK error as the provider's code and message. An answer below 500
 * from Resource Manager (InvalidParameter, PlatformImageNotFound,
 * QuotaExceeded, AuthorizationFailed) or from Entra ID's token endpoint
 * (invalid_client, unauthorized_client) is the provider refusing; a 5xx or
 * no answer at all (connection refused, TLS failure, timeout, an authority
 * whose metadata could not be read) is unreachable.
 */
export function azureError(err: unknown): CloudProviderError {
  if (err instanceof CloudProviderError) return err;
  const e = (err ?? {}) as SdkError;
  const message = e.message || 'no message';
  if (e.name === 'AbortError') return new CloudProviderError('azure', 'Unreachable', 'no answer within the configured timeout', 'unreachable');
  if (e.name === 'AuthenticationRequiredError') {
    const refused = entraRefusal(message);
    if (refused) return new CloudProviderError('azure', refused.code, refused.message, 'refused');
  }
  if (e.name === 'AuthenticationRequiredError' || e.name === 'CredentialUnavailableError') {
    // MSAL's codes (`endpoints_resolution_error: ...`, `network_error: ...`) lead its messages.
    return new CloudProviderError('azure', /^([a-z_]+):/.exec(message)?.[1] ?? 'Unreachable', message, 'unreachable');
  }
  const status = e.statusCode;
  if (status === undefined || status >= 500) return new CloudProviderError('azure', status === undefined ? 'Unreachable' : (e.code ?? `HTTP ${status}`), message, 'unreachable');
  return new CloudProviderError('azure', e.code ?? `HTTP ${status}`, message, 'refused');
}

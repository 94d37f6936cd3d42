import { CloudProviderError } from '../provider-error.js';

interface HttpError {
  message?: string;
  code?: number | string;
  status?: number;
  response?: { status?: number; data?: unknown };
}

/** GCE's error body `{"error":{"code","message","errors":[{"reason","message"}]}}`, which the REST transport leaves as the error's message text. */
function gceBody(e: HttpError): { reason?: string; message?: string } | null {
  let body: unknown = e.response?.data;
  if (typeof body !== 'object' || body === null) {
    try {
      body = JSON.parse(e.message ?? '');
    } catch {
      return null;
    }
  }
  const err = (body as { error?: unknown }).error;
  // OAuth's token endpoint: {"error":"invalid_grant","error_description":"Invalid JWT Signature."}
  if (typeof err === 'string') return { reason: err, message: (body as { error_description?: string }).error_description ?? err };
  if (typeof err !== 'object' || err === null) return null;
  const e0 = (err as { errors?: { reason?: string; message?: string }[] }).errors?.[0];
  return { reason: e0?.reason, message: (err as { message?: string }).message ?? e0?.message };
}

/**
 * An error of the Compute SDK or of the token exchange as the provider's
 * code and message: an HTTP answer below 500 is the provider refusing
 * (invalid_grant, notFound, invalid, forbidden, QUOTA_EXCEEDED); a 5xx or no
 * answer at all (connection refused, timeout) is unreachable.
 */
export function gcpError(err: unknown): CloudProviderError {
  if (err instanceof CloudProviderError) return err;
  const e = (err ?? {}) as HttpError;
  const status = e.response?.status ?? (typeof e.status === 'number' ? e.status : undefined);
  const body = gceBody(e);
  const message = body?.message || e.message || 'no message';
  if (status === undefined || status >= 500) return new CloudProviderError('gcp', status === undefined ? 'Unreachable' : (body?.reason ?? `HTTP ${status}`), message, 'unreachable');
  return new CloudProviderError('gcp', body?.reason ?? `HTTP ${status}`, message, 'refused');
}

/** True for GCE's 404: the resource does not exist (any more). */
export const isNotFound = (err: unknown): boolean => err instanceof CloudProviderError && err.kind === 'refused' && err.code === 'notFound';

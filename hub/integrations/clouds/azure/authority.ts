import { get, type Agent } from 'node:https';
import { CloudProviderError } from '../provider-error.js';

export const PUBLIC_AUTHORITY = 'https://login.microsoftonline.com';

/** The tenant's OpenID configuration as Entra ID answers it: status and body, or why nothing answered. */
function openidConfiguration(authorityHost: string, tenantId: string, agent: Agent, timeoutMs: number): Promise<{ status: number; body: string } | { error: string }> {
  const url = new URL(`${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`, `${authorityHost.replace(/\/+$/, '')}/`);
  return new Promise((resolve) => {
    const req = get(url, { agent, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        // An error body is small; more is not an Entra ID error.
        if (body.length < 16_384) body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (err) => resolve({ error: err.message }));
    });
    req.on('error', (err) => resolve({ error: err.message }));
  });
}

/**
 * MSAL reports an unknown tenant (Entra ID's `400 invalid_tenant` for the
 * tenant's metadata) and an unreachable authority host alike, as
 * `endpoints_resolution_error`. This asks for the same document once: an
 * OAuth error in the answer is the provider refusing (`invalid_tenant`,
 * AADSTS90002); no answer is unreachable with the reason (a refused
 * connection, a certificate not from the configured CA); any other answer
 * leaves `failure` as it is.
 */
export async function authorityRefusal(failure: CloudProviderError, authorityHost: string, tenantId: string, agent: Agent, timeoutMs: number): Promise<CloudProviderError> {
  const answer = await openidConfiguration(authorityHost, tenantId, agent, timeoutMs);
  if ('error' in answer) return new CloudProviderError('azure', 'Unreachable', `authority host ${authorityHost}: ${answer.error}`, 'unreachable');
  if (answer.status < 400 || answer.status >= 500) return failure;
  try {
    const body = JSON.parse(answer.body) as { error?: unknown; error_description?: unknown };
    if (typeof body.error !== 'string') return failure;
    const description = typeof body.error_description === 'string' ? body.error_description.split(/\r?\n/)[0]!.trim() : body.error;
    return new CloudProviderError('azure', body.error, description, 'refused');
  } catch {
    return failure;
  }
}

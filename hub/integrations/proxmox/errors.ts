/** Why a PVE call failed, as the registry and the health loop tell it apart. */
export type PveErrorKind =
  /** PVE refused the credentials (401), or a ticket could not be had. */
  | 'auth'
  /** PVE answered with an error status (400 bad parameter, 403 permission, 500 ...). */
  | 'api'
  /** No answer in time. */
  | 'timeout'
  /** Connection refused, reset, DNS... */
  | 'network'
  /** The certificate did not verify or did not match the pinned fingerprint. */
  | 'tls'
  /** PVE answered something that is not its JSON (a proxy page, a truncated body). */
  | 'protocol';

export class PveError extends Error {
  override name = 'PveError';
  constructor(
    readonly kind: PveErrorKind,
    message: string,
    /** The HTTP status when PVE answered; null otherwise. */
    readonly status: number | null = null,
    /** PVE's per-parameter messages (`errors` of the body), when it sent any. */
    readonly errors: Record<string, string> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The message of a PVE error answer. PVE puts it in the status line's
 * reason phrase (`400 Parameter verification failed.`) and the details per
 * parameter in the body's `errors`; libpve-http-server-perl >= 5.2 (PVE 8)
 * also sends `message`. Both are read, so the operator sees
 * "Parameter verification failed: vmid: VM 218 already exists", not "400".
 */
export function pveErrorFromAnswer(status: number, reason: string, body: string): PveError {
  let parsed: { message?: unknown; errors?: unknown } = {};
  try {
    const json = JSON.parse(body) as unknown;
    if (json && typeof json === 'object') parsed = json as typeof parsed;
  } catch {
    // Not JSON (PVE 7 sends an empty body for many errors): the reason phrase carries the message.
  }
  const errors: Record<string, string> = {};
  if (parsed.errors && typeof parsed.errors === 'object') {
    for (const [k, v] of Object.entries(parsed.errors as Record<string, unknown>)) errors[k] = String(v).trim();
  }
  const head = (typeof parsed.message === 'string' && parsed.message.trim()) || reason.trim() || `HTTP ${status}`;
  // PVE 8's message repeats the parameter list after the first line: keep the first line and add the parameters once.
  const first = head.split('\n')[0]!.trim().replace(/\.$/, '');
  const params = Object.entries(errors).map(([k, v]) => `${k}: ${v}`);
  const message = params.length > 0 ? `${first}: ${params.join('; ')}` : first;
  return new PveError(status === 401 ? 'auth' : 'api', message, status, errors);
}

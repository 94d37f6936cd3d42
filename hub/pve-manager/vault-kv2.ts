import { readFileSync } from 'node:fs';
import { ApiError, invalidParameter } from '../api/errors.js';
import { checkSecretData, checkVaultPath, type SecretData, type SecretRead, type SecretsBackend, type SecretWrite, type VaultStatus } from './vault.js';

export interface VaultKv2Options {
  /** `https://vault.example:8200` (the API lives under /v1). */
  url: string;
  /** First line: the token (X-Vault-Token). Read at each call: Vault Agent's file sink rewrites it when it renews. */
  tokenFile: string;
  /** The KV v2 mount the hub's paths live on: path `secret/ssh` is key `ssh` of mount `secret`. */
  mount: string;
  /** X-Vault-Namespace; empty: none. */
  namespace: string;
  timeoutMs: number;
}

/** Vault answers larger than this are refused (KV v2 values are small; the hub must not hold unbounded bodies). */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
/** Printable ASCII: anything else is not a token, and fetch() would put the bad value in its error message. */
const TOKEN = /^[\x21-\x7e]{1,4096}$/;

interface Answer {
  status: number;
  body: unknown;
}

const unavailable = (message: string, reason?: string) => new ApiError('SERVICE_UNAVAILABLE', message, reason ? { reason } : undefined);

/** Vault's error body `{"errors": [...]}` as one line (bounded); '' when there is none. */
function vaultErrors(body: unknown): string {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? errors.filter((e) => typeof e === 'string').join('; ').slice(0, 300) : '';
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > MAX_ANSWER_BYTES) throw unavailable(`Vault answered more than ${MAX_ANSWER_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The seed's vault paths on a HashiCorp Vault / OpenBao KV v2 mount, over
 * its HTTP API with fetch(): `GET /v1/sys/health`, `GET|POST
 * /v1/<mount>/data/<key>`. Three calls do not need a client library (the
 * maintained one, node-vault, brings axios, mustache and tv4 for them).
 * Vault's refusals become the seed's error body: 403 permission denied,
 * 404 not found, 503 sealed or unreachable. The token is only ever put in
 * the X-Vault-Token header: no message, answer or log line holds it.
 */
export class VaultKv2 implements SecretsBackend {
  private readonly base: string;

  constructor(private readonly opts: VaultKv2Options) {
    this.base = opts.url.replace(/\/+$/, '');
    if (!opts.tokenFile) throw new Error('config key "pveManager.vault.tokenFile": Vault needs a token file besides pveManager.vault.url');
    try {
      this.token();
    } catch (err) {
      throw new Error(`config key "pveManager.vault.tokenFile": ${(err as Error).message}`, { cause: err });
    }
  }

  /** sys/health mapped onto the seed's status: unauthenticated (no token sent) and a node's state, not a namespace's (no namespace sent). */
  async status(): Promise<VaultStatus> {
    let answer: Answer;
    try {
      answer = await this.call('GET', '/v1/sys/health', { inMount: false });
    } catch (err) {
      return { status: 'unreachable', backend: 'vault', sealed: false, message: (err as Error).message };
    }
    // Vault answers the health body with every status code it uses (200, 429, 472, 473, 501, 503).
    const h = answer.body as { initialized?: unknown; sealed?: unknown; standby?: unknown; version?: unknown } | null;
    if (typeof h?.initialized !== 'boolean' || typeof h.sealed !== 'boolean') return { status: 'error', backend: 'vault', sealed: false, message: `Vault's sys/health answered ${answer.status} without its health body` };
    const status = !h.initialized ? 'uninitialized' : h.sealed ? 'sealed' : h.standby === true ? 'standby' : 'running';
    return { status, backend: 'vault', sealed: h.sealed, initialized: h.initialized, ...(typeof h.version === 'string' && { version: h.version.slice(0, 100) }) };
  }

  async read(path: string): Promise<SecretRead> {
    const answer = await this.call('GET', this.dataPath(path));
    if (answer.status !== 200) throw this.refusal(answer, path);
    const d = (answer.body as { data?: { data?: unknown; metadata?: { version?: unknown } } } | null)?.data;
    if (typeof d?.data !== 'object' || d.data === null || Array.isArray(d.data)) throw unavailable(`Vault answered ${path} without KV v2 data (is mount ${this.opts.mount} KV version 2?)`);
    // The API answers strings; a value someone stored in Vault as another JSON type is answered as its JSON text.
    const data: SecretData = Object.fromEntries(Object.entries(d.data).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    return { data, ...(typeof d.metadata?.version === 'number' && { version: d.metadata.version }) };
  }

  /** A new KV v2 version holding exactly `data`. */
  async write(path: string, data: unknown): Promise<SecretWrite> {
    const valid = checkSecretData(data);
    const answer = await this.call('POST', this.dataPath(path), { body: { data: valid } });
    if (answer.status !== 200) throw this.refusal(answer, path);
    const version = (answer.body as { data?: { version?: unknown } } | null)?.data?.version;
    return { keys: Object.keys(valid), ...(typeof version === 'number' && { version }) };
  }

  /** `secret/a/b` -> `/v1/secret/data/a/b`; a path outside the mount is refused (the hub's token is not a way into other mounts). */
  private dataPath(path: string): string {
    const [mount, ...key] = checkVaultPath(path).split('/');
    if (mount !== this.opts.mount || key.length === 0) throw invalidParameter('path', `must be a key under the Vault KV v2 mount ${this.opts.mount}/ (e.g. ${this.opts.mount}/ssh)`);
    return `/v1/${encodeURIComponent(mount)}/data/${key.map(encodeURIComponent).join('/')}`;
  }

  private refusal(answer: Answer, path: string): ApiError {
    const reason = vaultErrors(answer.body);
    if (answer.status === 404) return new ApiError('NOT_FOUND', `no secret at ${path}`);
    if (answer.status === 403) return new ApiError('FORBIDDEN', `Vault refused the hub's token for ${path}: ${reason || 'permission denied'}`, { reason: reason || 'permission denied' });
    if (answer.status === 503) return unavailable(/sealed/i.test(reason) ? 'Vault is sealed: unseal it to read or write secrets' : `Vault is unavailable: ${reason || 'HTTP 503'}`, reason);
    return unavailable(`Vault answered HTTP ${answer.status} for ${path}${reason ? `: ${reason}` : ''}`, reason);
  }

  private token(): string {
    let token: string;
    try {
      token = readFileSync(this.opts.tokenFile, 'utf8').split(/\r?\n/)[0]!.trim();
    } catch (err) {
      throw unavailable(`cannot read the Vault token file ${this.opts.tokenFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    if (!TOKEN.test(token)) throw unavailable(`the Vault token file ${this.opts.tokenFile} holds no token (its first line must be printable ASCII)`);
    return token;
  }

  /** One call; `inMount: false` (sys/health) sends neither the token nor the namespace. */
  private async call(method: 'GET' | 'POST', path: string, opts: { inMount?: boolean; body?: unknown } = {}): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.inMount !== false) {
      headers['x-vault-token'] = this.token();
      if (this.opts.namespace) headers['x-vault-namespace'] = this.opts.namespace;
    }
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      // redirect 'manual': fetch would send X-Vault-Token on to wherever a redirect points (it only drops Authorization).
      res = await fetch(`${this.base}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), redirect: 'manual', signal: AbortSignal.timeout(this.opts.timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? ((err as Error).name === 'TimeoutError' ? `no answer within ${this.opts.timeoutMs} ms` : (err as Error).message);
      throw unavailable(`Vault at ${new URL(this.base).origin} is unreachable (${cause})`);
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      throw unavailable(`Vault answered a redirect (HTTP ${res.status}): point pveManager.vault.url at a node that forwards requests`);
    }
    const text = await readCapped(res);
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page): the status code alone says what happened.
    }
    return { status: res.status, body };
  }
}

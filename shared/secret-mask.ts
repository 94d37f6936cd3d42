/** What a masked value reads as. */
export const SECRET_MASK = '********';

/**
 * Words that make a key name secret wherever it appears, in a config key
 * or a log field: `password`, `bearerTokenSecret`, `tls.key`, `kubeconfig`,
 * `X-Api-Key`, `Authorization`, `client-key-data`. Key names are split into
 * words (camelCase, `_`, `-`, `.`), so `monkey` or `keyring` are not secret
 * but `nodeKey` is.
 */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'pass',
  'pwd',
  'secret',
  'secrets',
  'token',
  'tokens',
  'key',
  'keys',
  'apikey',
  'privatekey',
  'credential',
  'credentials',
  'kubeconfig',
  'cookie',
  'authorization',
]);

/**
 * A key ending in one of these says what it holds is about a secret, not
 * the secret: `accessTokenTtl`, `cookieName`, `passwordFile` (a path; the
 * file itself is the secret), `tokenUrl` (an address; credentials in it
 * are masked as in any string). Anything else with a secret word is
 * masked, `tokenValue` and `tokenId` included.
 */
const ABOUT_WORDS = new Set(['ttl', 'name', 'file', 'path', 'url', 'endpoint', 'length', 'expiry', 'timeout', 'interval']);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** Every secret word contains one of these: most keys are ruled out without being split into words (this runs on every log line). */
const CANDIDATE = /pass|pwd|secret|token|key|credential|kubeconfig|cookie|authorization/i;

/** Whether a key (config key, log field, header name) holds a secret by its name. */
export function isSecretKey(name: string): boolean {
  if (!CANDIDATE.test(name)) return false;
  const w = words(name);
  return w.some((x) => SECRET_WORDS.has(x)) && !ABOUT_WORDS.has(w[w.length - 1]!);
}

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;
const AUTH_SCHEME_VALUE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/**
 * A string whatever its key: the userinfo of URLs (`redis://:pw@db` becomes
 * `redis://********@db`), HTTP credentials (`Bearer abc`) and PEM private
 * keys masked.
 */
export function maskSecretText(text: string): string {
  // Cheap checks first: most strings hold none of these.
  if (text.includes('-----BEGIN') && PRIVATE_KEY_PEM.test(text)) return SECRET_MASK;
  let out = text;
  if (out.includes('@')) out = out.replace(URL_USERINFO, `$1${SECRET_MASK}@`);
  if (out.includes('Bearer') || out.includes('Basic')) out = out.replace(AUTH_SCHEME_VALUE, `$1 ${SECRET_MASK}`);
  return out;
}

/**
 * A copy of a JSON value with every secret masked: the strings under a
 * secret key (at any depth below it: a `credentials` object, a `tokens`
 * list) and the secrets in any other string (maskSecretText). Numbers and
 * booleans are kept (`auth.rateLimit.apiKey` is a request count); an empty
 * string stays empty, so "not set" still shows. `onMask` gets the dotted
 * path of each value masked because of its key.
 */
export function maskSecrets<T>(value: T, onMask?: (path: string) => void): T {
  return walk(value, null, false, onMask) as T;
}

/** A path is a linked list from the leaf up, built only for onMask (the ring masks every log line and needs none). */
interface PathNode {
  key: string;
  up: PathNode | null;
}

function dotted(path: PathNode | null): string {
  const keys: string[] = [];
  for (let p = path; p; p = p.up) keys.unshift(p.key);
  return keys.join('.');
}

function walk(value: unknown, path: PathNode | null, secret: boolean, onMask?: (path: string) => void): unknown {
  if (typeof value === 'string') {
    if (secret && value !== '') {
      onMask?.(dotted(path));
      return SECRET_MASK;
    }
    return maskSecretText(value);
  }
  if (Array.isArray(value)) return value.map((v, i) => walk(v, onMask ? { key: String(i), up: path } : null, secret, onMask));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, onMask ? { key: k, up: path } : null, secret || isSecretKey(k), onMask);
    return out;
  }
  return value;
}

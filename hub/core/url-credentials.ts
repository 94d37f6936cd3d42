/** A URL taken apart: the address without `user:password@`, and those credentials (percent-decoded) or null. */
export interface SplitUrl {
  url: string;
  credentials: { username: string; password: string } | null;
}

/**
 * Takes `user:password@` out of a URL, keeping the configured form
 * otherwise (new URL() would end a bare origin with "/"). Text that is not
 * a URL comes back as it is.
 */
export function splitUrlCredentials(text: string): SplitUrl {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return { url: text, credentials: null };
  }
  if (!u.username && !u.password) return { url: text, credentials: null };
  const credentials = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  u.username = '';
  u.password = '';
  return { url: text.endsWith('/') ? u.href : u.href.replace(/\/$/, ''), credentials };
}

/** A URL as the hub may show or log it: never with its credentials. */
export const withoutCredentials = (url: string): string => splitUrlCredentials(url).url;

/**
 * Free text (an error message from a client library) with the userinfo of
 * every URL in it removed: `redis://:secret@db:6379` becomes `redis://db:6379`.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1');
}

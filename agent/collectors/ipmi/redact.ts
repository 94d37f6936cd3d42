const MASK = '[redacted]';

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes passwords from a command line or an error text before it is logged
 * or reported (after Telegraf's sanitizeIPMICmd): the value after `-P`, an
 * `IPMI_PASSWORD=` assignment, and every occurrence of the known secrets.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/(^|\s)(-P\s+)(\S+)/g, `$1$2${MASK}`).replace(/(IPMI_PASSWORD=)(\S+)/g, `$1${MASK}`);
  for (const s of secrets) if (s) out = out.replace(new RegExp(escape(s), 'g'), MASK);
  return out;
}

/** Control and format characters (C0, C1, bidi overrides, zero-width), lone surrogates, and what makes text markup: < > & " ' `. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}<>&"'`]/gu;

/**
 * A node-supplied string made fit for a notification or an API answer: at
 * most `max` characters (cut with "…"), without control or format
 * characters and without the characters that would make it HTML where a
 * client renders it as such. A node's sensor names and error texts once
 * reached notification titles as HTML (issue 14, item 8). The node's
 * meaning survives: `<b>CPU "1"</b>` reads `bCPU 1/b`.
 */
export function safeText(text: string, max: number): string {
  const clean = text.length > max * 4 ? text.slice(0, max * 4).replace(UNSAFE, '') : text.replace(UNSAFE, '');
  if (clean.length <= max) return clean;
  // Not between the two halves of a surrogate pair.
  const cut = /[\uD800-\uDBFF]/.test(clean[max - 2] ?? '') ? max - 2 : max - 1;
  return `${clean.slice(0, cut)}…`;
}

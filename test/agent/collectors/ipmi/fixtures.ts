import { readFileSync } from 'node:fs';

/** The given tool outputs beside the checkout (../shared), as text. */
export function shared(path: string): string {
  return readFileSync(new URL(`../../../../../shared/${path}`, import.meta.url), 'utf8');
}

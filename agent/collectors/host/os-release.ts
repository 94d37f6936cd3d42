/** The distribution's name and version, as the host inventory reports them. */
export interface OsRelease {
  distro: string;
  release: string;
}

/** One `KEY=value` line of os-release(5); values may be quoted (shell-style, no expansion). */
function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!.replace(/^(["'])(.*)\1$/, '$2').replace(/\\(.)/g, '$1'));
  }
  return out;
}

/**
 * Parses /etc/os-release (os-release(5)):
 *   NAME="Ubuntu"
 *   VERSION="22.04.4 LTS (Jammy Jellyfish)"
 * into `{distro: 'Ubuntu', release: '22.04.4 LTS'}`: the spelling
 * systeminformation gave (the agent's inventory came from it before), so a
 * node's `os` does not change when the agent is upgraded. The codename in
 * parentheses is dropped; without VERSION (Arch, rolling releases) VERSION_ID,
 * else `unknown`.
 */
export function parseOsRelease(text: string): OsRelease {
  const f = fields(text);
  const distro = f.get('NAME') || 'unknown';
  let version = f.get('VERSION') ?? '';
  // PRETTY_NAME="Debian GNU/Linux 12 (bookworm)" carries the version in full where VERSION is shorter.
  const pretty = f.get('PRETTY_NAME') ?? '';
  if (pretty.startsWith(`${distro} `)) version = pretty.slice(distro.length + 1).trim();
  version = version.split('(')[0]!.trim();
  return { distro, release: version || f.get('VERSION_ID') || 'unknown' };
}

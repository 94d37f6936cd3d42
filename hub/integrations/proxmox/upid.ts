/** A PVE task id, as `POST` calls that start work return it. */
export interface Upid {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  /** Unix seconds. */
  starttime: number;
  type: string;
  /** The object the task works on (a vmid for qemu tasks); empty for some tasks. */
  id: string;
  /** Who started it; `user@realm!tokenid` when started with an API token. */
  user: string;
}

// UPID:pve1:000A1B2C:0013C4D5:65A0F1E2:qmclone:100:root@pam!kcloud:  (pid 8 hex, pstart 8-9 hex, starttime 8 hex, trailing colon)
const UPID = /^UPID:([^:]+):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:]+):([^:]*):([^:]+):$/;

/** Parses a UPID; null when the text is not one (so a caller can tell a task from a synchronous answer). */
export function parseUpid(text: string): Upid | null {
  const m = UPID.exec(text);
  if (!m) return null;
  return {
    upid: text,
    node: m[1]!,
    pid: Number.parseInt(m[2]!, 16),
    pstart: Number.parseInt(m[3]!, 16),
    starttime: Number.parseInt(m[4]!, 16),
    type: m[5]!,
    id: m[6]!,
    user: m[7]!,
  };
}

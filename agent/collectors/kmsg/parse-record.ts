/**
 * Pure parser for one `/dev/kmsg` record (Linux Documentation/ABI/testing/dev-kmsg):
 *   <prio>,<seq>,<timestamp µs>,<flags>[,<more>];<message>
 * followed by optional continuation lines that start with a space
 * (` SUBSYSTEM=pci`), which carry no message and are skipped. `prio` is
 * `facility << 3 | level`; only the kernel logs with facility 0 (a record
 * written to /dev/kmsg from user space gets LOG_USER), so a reader that
 * trusts only facility 0 cannot be fed made-up driver lines by a process.
 */
export interface KmsgRecord {
  /** Sequence number: increases by one per record since boot, so it de-duplicates re-reads. */
  seq: number;
  facility: number;
  level: number;
  /** Microseconds since boot (CLOCK_MONOTONIC). */
  micros: number;
  message: string;
}

const RECORD = /^(\d+),(\d+),(\d+),[^;]*;(.*)$/;

/** One record line; null for a continuation line or anything else. */
export function parseKmsgRecord(line: string): KmsgRecord | null {
  const m = RECORD.exec(line);
  if (!m) return null;
  const prio = Number(m[1]);
  const seq = Number(m[2]);
  const micros = Number(m[3]);
  if (!Number.isSafeInteger(prio) || !Number.isSafeInteger(seq) || !Number.isSafeInteger(micros)) return null;
  return { seq, facility: prio >> 3, level: prio & 7, micros, message: m[4]! };
}

import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KmsgRecord } from '../../../../agent/collectors/kmsg/parse-record.js';
import { KmsgReader } from '../../../../agent/collectors/kmsg/reader.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

const FIXTURE = resolve(import.meta.dirname, '../../../fixtures/kmsg/nvrm-xid-8gpu.kmsg');

describe('KmsgReader', () => {
  let dir: string;
  let reader: KmsgReader | undefined;
  let got: KmsgRecord[];
  let errors: Error[];
  const make = (path: string) => {
    reader = new KmsgReader({ path, pollMs: 20, onRecords: (r) => got.push(...r), onError: (e) => errors.push(e) });
    return reader;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kmsg-'));
    got = [];
    errors = [];
  });
  afterEach(async () => {
    await reader?.stop();
    reader = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads every record of the log at start, continuation lines left out', async () => {
    expect(await make(FIXTURE).start()).toBeNull();
    expect(got.map((r) => r.seq)).toEqual([1100, 1101, 1102, 1250, 1251, 1252, 1253, 1300, 1301, 1302, 1303, 1304, 1350, 1351]);
    expect(got.every((r) => !r.message.startsWith(' '))).toBe(true);
    expect(errors).toEqual([]);
  });

  it('follows records appended later, a line split across writes once complete, and drops a sequence number already seen', async () => {
    const path = join(dir, 'kmsg');
    copyFileSync(FIXTURE, path);
    expect(await make(path).start()).toBeNull();
    const before = got.length;
    appendFileSync(path, '3,1400,800000000000,-;NVRM: Xid (PCI:0000:02:09): 6');
    appendFileSync(path, "2, pid='<unknown>', name=<unknown>, Internal micro-controller halt\n");
    // A re-read of an old record (as after a reopen) must not count twice.
    appendFileSync(path, '3,1300,712345678901,-;NVRM: Xid (PCI:0000:03:09): 79, pid=1, name=x, GPU has fallen off the bus.\n');
    appendFileSync(path, '6,1401,800000000100,-;done\n');
    await waitFor(() => got.some((r) => r.seq === 1401), 5000, 'the appended records');
    expect(got.slice(before).map((r) => [r.seq, r.message])).toEqual([
      [1400, "NVRM: Xid (PCI:0000:02:09): 62, pid='<unknown>', name=<unknown>, Internal micro-controller halt"],
      [1401, 'done'],
    ]);
  });

  it('keeps a UTF-8 character that straddles two reads of a plain file whole', async () => {
    const path = join(dir, 'kmsg');
    const text = Buffer.from('6,1,10,-;first\n6,2,20,-;caf\u00e9 ok\n');
    const cut = text.indexOf(0xa9); // the second byte of é
    appendFileSync(path, text.subarray(0, cut));
    expect(await make(path).start()).toBeNull();
    // The drain that delivered record 1 read up to the end of the file, half a character included.
    expect(got.map((r) => r.seq)).toEqual([1]);
    appendFileSync(path, text.subarray(cut));
    await waitFor(() => got.length === 2, 5000, 'the second record');
    expect(got[1]!.message).toBe('caf\u00e9 ok');
  });

  it('reads a FIFO as records are written to it', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(await make(fifo).start()).toBeNull();
    const writer = await open(fifo, 'w');
    try {
      await writer.write('3,5,100,-;NVRM: Xid (PCI:0000:01:09): 79, GPU has fallen off the bus.\n');
      await waitFor(() => got.length === 1, 5000, 'the record written to the FIFO');
    } finally {
      await writer.close();
    }
    expect(got[0]).toMatchObject({ seq: 5, message: 'NVRM: Xid (PCI:0000:01:09): 79, GPU has fallen off the bus.' });
  });

  it('says why when the log cannot be opened', async () => {
    const why = await make(join(dir, 'missing')).start();
    expect(why).toMatch(/missing: ENOENT/);
    expect(got).toEqual([]);
  });

  it('does not block on this machine\'s /dev/kmsg: reads its records in order, or says why it cannot', async () => {
    const why = await make('/dev/kmsg').start();
    if (why !== null) {
      // Containers without CAP_SYSLOG, or no /dev/kmsg at all.
      expect(why).toMatch(/^\/dev\/kmsg: (EACCES|EPERM|ENOENT)/);
      return;
    }
    expect(got.length).toBeGreaterThan(0);
    const seqs = got.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(errors).toEqual([]);
  });
});

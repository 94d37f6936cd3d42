import { describe, expect, it } from 'vitest';
import { parseUpid } from '../../../../hub/integrations/proxmox/upid.js';

describe('parseUpid', () => {
  it('reads every field of a token-started clone task (8-hex pstart)', () => {
    expect(parseUpid('UPID:pve1:000A1B2C:0013C4D5:65A0F1E2:qmclone:9000:root@pam!kcloud:')).toEqual({
      upid: 'UPID:pve1:000A1B2C:0013C4D5:65A0F1E2:qmclone:9000:root@pam!kcloud:',
      node: 'pve1',
      pid: 0x000a1b2c,
      pstart: 0x0013c4d5,
      starttime: 0x65a0f1e2,
      type: 'qmclone',
      id: '9000',
      user: 'root@pam!kcloud',
    });
  });

  it('takes a 9-hex pstart and an empty id', () => {
    const u = parseUpid('UPID:node-2:00001234:1A2B3C4D5:65A0F1E2:vzdump::backup@pve:');
    expect(u?.pstart).toBe(0x1a2b3c4d5);
    expect(u?.id).toBe('');
    expect(u?.user).toBe('backup@pve');
  });

  it('refuses what is not a UPID (no trailing colon, bad hex, plain text)', () => {
    expect(parseUpid('UPID:pve1:000A1B2C:0013C4D5:65A0F1E2:qmclone:9000:root@pam')).toBeNull();
    expect(parseUpid('UPID:pve1:XYZ:0013C4D5:65A0F1E2:qmclone:9000:root@pam:')).toBeNull();
    expect(parseUpid('100')).toBeNull();
  });
});

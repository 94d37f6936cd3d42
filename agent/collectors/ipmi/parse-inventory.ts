/**
 * `Key : value` lines of `ipmitool mc info` and `fru print 0`; the first
 * occurrence of a key wins, list continuation lines (no colon) are skipped.
 *
 *     Firmware Revision         : 2.47
 *      Product Serial        : KCSIM-000001
 */
export function parseFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^:]+?)\s*:\s*(.*?)\s*$/.exec(line);
    if (m && !fields.has(m[1]!)) fields.set(m[1]!, m[2]!);
  }
  return fields;
}

export interface BmcFacts {
  firmwareRevision: string | null;
  ipmiVersion: string | null;
  manufacturerId: number | null;
  manufacturerName: string | null;
  productId: number | null;
}

/** The BMC's identity from `ipmitool mc info` (`Product ID : 19267 (0x4b43)`). */
export function parseMcInfo(text: string): BmcFacts {
  const f = parseFields(text);
  const str = (k: string) => f.get(k) || null;
  const int = (k: string) => {
    const m = /^(\d+)/.exec(f.get(k) ?? '');
    return m ? Number(m[1]) : null;
  };
  return {
    firmwareRevision: str('Firmware Revision'),
    ipmiVersion: str('IPMI Version'),
    manufacturerId: int('Manufacturer ID'),
    manufacturerName: str('Manufacturer Name'),
    productId: int('Product ID'),
  };
}

export interface SystemFacts {
  manufacturer: string | null;
  product: string | null;
  serial: string | null;
  partNumber: string | null;
  assetTag: string | null;
  boardSerial: string | null;
  chassisSerial: string | null;
}

/** The machine's identity from the built-in FRU (`ipmitool fru print 0`); product fields, else the board's. */
export function parseFru(text: string): SystemFacts {
  const f = parseFields(text);
  const first = (...keys: string[]) => keys.map((k) => f.get(k)).find((v) => v !== undefined && v !== '') ?? null;
  return {
    manufacturer: first('Product Manufacturer', 'Board Mfg'),
    product: first('Product Name', 'Board Product'),
    serial: first('Product Serial', 'Board Serial'),
    partNumber: first('Product Part Number', 'Board Part Number'),
    assetTag: first('Product Asset Tag'),
    boardSerial: first('Board Serial'),
    chassisSerial: first('Chassis Serial'),
  };
}

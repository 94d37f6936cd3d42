/**
 * Where each `nvidia-smi -q -x` schema keeps its power readings, picked by the
 * DTD the document names (`<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">`),
 * as Telegraf's nvidia_smi plugin does with schema_v11/v12/v13. A new driver
 * generation is a new row here, not another `if` in the parser.
 *
 * What forced each row (../shared/fixtures/nvidia-smi-xml/README.md):
 * - v11 (also v10 and no DTD): `<power_readings>` with `<power_draw>` and
 *   `<enforced_power_limit>` / `<power_limit>` (drivers 418 to 525).
 * - v12: 535/536 renamed the block `<gpu_power_readings>` (limit
 *   `<current_power_limit>`), while 525 with the same DTD still writes
 *   `<power_readings>`; 570 dropped `<power_draw>` for `<average_power_draw>`
 *   + `<instant_power_draw>` without changing the DTD.
 * - v13 (595): `<gpu_power_readings>` with average and instant draw only.
 */
export interface XmlSchema {
  /** Power blocks in order of preference; the first one present is read. */
  powerBlocks: readonly string[];
  /**
   * Candidates for the board draw as `--query-gpu=power.draw` reports it: the
   * 1 s average where the GPU has one, else the instantaneous value (netdata's
   * 580 excerpt: `<average_power_draw> N/A`, `<instant_power_draw> 66.84 W`).
   * The first with a reading wins.
   */
  draw: readonly string[];
  instant: readonly string[];
  enforcedLimit: readonly string[];
}

export const XML_SCHEMAS = {
  v11: {
    powerBlocks: ['power_readings'],
    draw: ['power_draw'],
    instant: [],
    enforcedLimit: ['enforced_power_limit', 'power_limit'],
  },
  v12: {
    powerBlocks: ['gpu_power_readings', 'power_readings'],
    draw: ['power_draw', 'average_power_draw', 'instant_power_draw'],
    instant: ['instant_power_draw'],
    enforcedLimit: ['current_power_limit', 'enforced_power_limit', 'power_limit'],
  },
  v13: {
    powerBlocks: ['gpu_power_readings'],
    draw: ['average_power_draw', 'power_draw', 'instant_power_draw'],
    instant: ['instant_power_draw'],
    enforcedLimit: ['current_power_limit'],
  },
} as const satisfies Record<string, XmlSchema>;

export type XmlSchemaName = keyof typeof XML_SCHEMAS;

const NEWEST: XmlSchemaName = 'v13';

/**
 * The schema for a document, from its DTD version. A version newer than any
 * row falls back to the newest with a warning. Without a DOCTYPE (drivers 418
 * and 515, or netdata's hand-trimmed 580 excerpt) the power block tells: only
 * newer drivers write `<gpu_power_readings>`.
 */
export function xmlSchemaFor(xml: string): { name: XmlSchemaName; warning: string | null } {
  const dtd = /<!DOCTYPE\s+nvidia_smi_log\s+SYSTEM\s+"nvsmi_device_v(\d+)\.dtd"/.exec(xml);
  if (!dtd) return { name: xml.includes('<gpu_power_readings>') ? NEWEST : 'v11', warning: null };
  const version = Number(dtd[1]);
  const name = `v${version}`;
  if (name in XML_SCHEMAS) return { name: name as XmlSchemaName, warning: null };
  if (version < 11) return { name: 'v11', warning: null };
  return { name: NEWEST, warning: `nvidia-smi XML schema v${version} is newer than the parser knows; reading it as ${NEWEST}` };
}

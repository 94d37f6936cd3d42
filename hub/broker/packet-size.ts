import type { Client } from 'aedes';

/** The parts of mqtt-packet 9's Parser this check reads (node_modules/mqtt-packet/parser.js). */
interface PacketParser {
  packet: { cmd: string; length: number };
  _parseLength(): boolean;
  _emitError(err: Error): void;
}

export class PacketTooLargeError extends Error {
  constructor(
    readonly cmd: string,
    readonly declared: number,
    readonly limit: number,
  ) {
    super(`${cmd} packet of ${declared} bytes exceeds the limit of ${limit}`);
  }
}

/**
 * Refuses an MQTT packet whose declared Remaining Length is above
 * `limit()` before its body is read. mqtt-packet has no maximum packet
 * size: its parser keeps appending what arrives until `packet.length` bytes
 * (up to 256 MiB) are buffered, so three connections each declaring a 256
 * MiB CONNECT made the hub hold ~560 MB before anything was checked. The
 * check runs right after the parser has read the length field, on the
 * parser aedes made for this client (`client._parser`); an error there is
 * what a malformed packet gives, so aedes closes the connection as usual
 * (`_onError` destroys the socket, `connectionError` or `clientError`).
 */
export function limitPacketSize(client: Client, limit: () => number, onTooLarge: (err: PacketTooLargeError) => void): void {
  const parser = (client as unknown as { _parser?: PacketParser })._parser;
  // A newer aedes or mqtt-packet without these names: fail closed rather than run unbounded.
  if (!parser || typeof parser._parseLength !== 'function' || typeof parser._emitError !== 'function') {
    throw new Error('mqtt-packet parser internals changed: cannot enforce broker.limits.maxPacketSize');
  }
  const parseLength = parser._parseLength;
  parser._parseLength = function checkedParseLength(this: PacketParser): boolean {
    const complete = parseLength.call(this);
    if (!complete) return false;
    const max = limit();
    if (this.packet.length > max) {
      const err = new PacketTooLargeError(this.packet.cmd, this.packet.length, max);
      onTooLarge(err);
      this._emitError(err);
      return false;
    }
    return true;
  };
}

import protobuf from 'protobufjs';
import snappy from 'snappyjs';

/** A label of a remote-write series; a series' labels are sorted by name, `__name__` among them. */
export interface PromLabel {
  name: string;
  value: string;
}

export interface PromSeries {
  labels: PromLabel[];
  /** Oldest first, as the protocol requires within a series. */
  samples: { value: number; timestamp: number }[];
}

/** prometheus/prompb's WriteRequest, the part remote-write 1.0 sends (types.proto, remote.proto). */
const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});
const WriteRequest = root.lookupType('prometheus.WriteRequest');

/** The body of a remote-write request: the protobuf WriteRequest, snappy block-compressed. */
export function encodeWriteRequest(timeseries: readonly PromSeries[]): Buffer {
  const pb = WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish();
  return Buffer.from(snappy.compress(pb));
}

/** The inverse of encodeWriteRequest (tests, and a receiver written in TypeScript). */
export function decodeWriteRequest(body: Buffer): PromSeries[] {
  const pb = snappy.uncompress(body);
  const msg = WriteRequest.toObject(WriteRequest.decode(pb), { longs: Number, defaults: true }) as { timeseries: PromSeries[] };
  return msg.timeseries;
}

import protobuf from 'protobufjs';
import snappy from 'snappyjs';

/** A label of a remote-write series; a series' labels are sorted by name, `__name__` among them. */
export interface PromLabel {
  name: string;
  value: string;
}

export interface PromSeries {
  /** The series' labels as encodeLabels made them: a series' labels go out with every request, so they are encoded once. */
  labels: EncodedLabels;
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
const TimeSeries = root.lookupType('prometheus.TimeSeries');

/**
 * A series' labels encoded as the label fields of a TimeSeries message
 * (protobuf concatenates a message's fields), its bytes held as a latin1
 * string: a hub keeps one per series of the fleet, and a string is its bytes
 * plus a small header in V8's heap, where a small Buffer is a slice that
 * keeps a whole 8 KiB pool alive (about 1 KiB a series, measured).
 */
export type EncodedLabels = string;

export function encodeLabels(labels: readonly PromLabel[]): EncodedLabels {
  return Buffer.from(TimeSeries.encode({ labels }).finish()).toString('latin1');
}

/** The inverse of encodeLabels (tests). */
export function decodeLabels(labels: EncodedLabels): PromLabel[] {
  return (TimeSeries.toObject(TimeSeries.decode(Buffer.from(labels, 'latin1')), { defaults: true }) as { labels: PromLabel[] }).labels;
}

/**
 * The body of a remote-write request: the protobuf WriteRequest, snappy
 * block-compressed. Written field by field with protobufjs' Writer: each
 * TimeSeries is its pre-encoded labels followed by its samples (a
 * fromObject/encode of the whole request encoded every label of every
 * series again and cost several microseconds a sample).
 */
export function encodeWriteRequest(timeseries: readonly PromSeries[]): Buffer {
  const w = protobuf.Writer.create();
  for (const s of timeseries) {
    // WriteRequest.timeseries = 1, TimeSeries.samples = 2, Sample.value = 1 (double), Sample.timestamp = 2 (int64): (field << 3) | wire type.
    w.uint32((1 << 3) | 2).fork().raw(Buffer.from(s.labels, 'latin1'));
    for (const x of s.samples) w.uint32((2 << 3) | 2).fork().uint32((1 << 3) | 1).double(x.value).uint32((2 << 3) | 0).int64(x.timestamp).ldelim();
    w.ldelim();
  }
  return Buffer.from(snappy.compress(w.finish()));
}

/** A decoded request's series: labels and samples. */
export interface DecodedSeries {
  labels: PromLabel[];
  samples: { value: number; timestamp: number }[];
}

/** The inverse of encodeWriteRequest (tests, and a receiver written in TypeScript). */
export function decodeWriteRequest(body: Buffer): DecodedSeries[] {
  const pb = snappy.uncompress(body);
  const msg = WriteRequest.toObject(WriteRequest.decode(pb), { longs: Number, defaults: true }) as { timeseries: DecodedSeries[] };
  return msg.timeseries;
}

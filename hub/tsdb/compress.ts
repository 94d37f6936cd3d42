import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * The two header bytes every stored block starts with: its format (what the
 * payload means) and the general-purpose compressor applied over the varint
 * payload. Varints leave byte-level redundancy (repeated small deltas) that
 * an entropy coder removes; see bench/tsdb-codec.ts for the measurements
 * behind the choice of brotli.
 */
export const CODEC_NONE = 0;
export const CODEC_DEFLATE = 1;
export const CODEC_BROTLI = 2;

export type Codec = typeof CODEC_NONE | typeof CODEC_DEFLATE | typeof CODEC_BROTLI;

/** Brotli quality: 5 is within ~3 % of 11 on tsdb payloads at a fraction of the time (bench/tsdb-codec.ts). */
const BROTLI_QUALITY = 5;

function compress(codec: Codec, payload: Uint8Array): Uint8Array {
  switch (codec) {
    case CODEC_NONE:
      return payload;
    case CODEC_DEFLATE:
      return deflateRawSync(payload, { level: 6 });
    case CODEC_BROTLI:
      return brotliCompressSync(payload, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: payload.length,
          // 64 KiB window: blocks are a few KiB, a smaller window keeps the decoder's state small.
          [constants.BROTLI_PARAM_LGWIN]: 16,
        },
      });
  }
}

/**
 * Wraps a payload as [format, codec, ...bytes]; `codec` is a preference:
 * payloads too small to gain from it are stored as they are.
 */
export function packBlock(format: number, payload: Uint8Array, codec: Codec = CODEC_BROTLI): Uint8Array {
  let body = payload;
  let used: Codec = CODEC_NONE;
  if (codec !== CODEC_NONE && payload.length > 32) {
    const packed = compress(codec, payload);
    if (packed.length < payload.length) {
      body = packed;
      used = codec;
    }
  }
  const out = new Uint8Array(body.length + 2);
  out[0] = format;
  out[1] = used;
  out.set(body, 2);
  return out;
}

/** Splits a stored block into its format and uncompressed payload. */
export function unpackBlock(block: Uint8Array): { format: number; payload: Uint8Array } {
  if (block.length < 2) throw new Error('tsdb block too short');
  const format = block[0]!;
  const codec = block[1]!;
  const body = block.subarray(2);
  switch (codec) {
    case CODEC_NONE:
      return { format, payload: body };
    case CODEC_DEFLATE:
      return { format, payload: inflateRawSync(body) };
    case CODEC_BROTLI:
      return { format, payload: brotliDecompressSync(body) };
    default:
      throw new Error(`unknown tsdb block codec ${codec}`);
  }
}

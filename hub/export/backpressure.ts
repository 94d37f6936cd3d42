import type { Writable } from 'node:stream';

/** The client went away (or the stream was destroyed) while the export was still writing. */
export class OutputClosedError extends Error {
  constructor() {
    super('export output closed before the end');
    this.name = 'OutputClosedError';
  }
}

/**
 * Resolves once `stream` (which `needsDrain` says is over its buffer limit)
 * emits 'drain', at once when it is not; rejects when `out`, the client's
 * stream it feeds, is destroyed first: then nothing drains any more, and the
 * writer stops producing for a client that left.
 */
export function whenDrained(stream: Writable, needsDrain: boolean, out: Writable): Promise<void> {
  if (out.destroyed) return Promise.reject(new OutputClosedError());
  if (!needsDrain) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      stream.off('drain', onDrain);
      out.off('close', onClose);
    };
    const onDrain = () => {
      done();
      resolve();
    };
    const onClose = () => {
      done();
      reject(new OutputClosedError());
    };
    stream.on('drain', onDrain);
    out.on('close', onClose);
  });
}

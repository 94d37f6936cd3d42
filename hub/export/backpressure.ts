import type { Writable } from 'node:stream';

/** The client went away (or the stream was destroyed) while the export was still writing. */
export class OutputClosedError extends Error {
  constructor() {
    super('export output closed before the end');
    this.name = 'OutputClosedError';
  }
}

/**
 * Resolves once `out` can take more (no-op when it can now); rejects when it
 * is destroyed first, so a writer stops producing for a client that left.
 */
export function whenWritable(out: Writable): Promise<void> {
  if (out.destroyed) return Promise.reject(new OutputClosedError());
  if (!out.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      out.off('drain', onDrain);
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
    out.on('drain', onDrain);
    out.on('close', onClose);
  });
}

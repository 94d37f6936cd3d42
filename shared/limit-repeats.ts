import type { Logger } from './log.js';
import { RepeatWindows } from './repeat-windows.js';

const LIMITED = new Set(['warn', 'error']);

/**
 * A logger whose warn and error lines are rate-limited per message text:
 * at most `perWindow` lines with the same level and message a window (the
 * fields may differ), the rest counted. The count is logged, as
 * `{ suppressed, repeated }`, with the first line of that message in a
 * later window. Keys are the message texts of the code (fields carry what
 * came from the network), so their number is small whatever a client
 * sends: 3 refused connections or 7 000 a second give at most `perWindow`
 * lines each. Other levels and `child()` loggers are not limited.
 */
export function limitRepeats(log: Logger, opts: { perWindow?: number; windowMs?: number; now?: () => number } = {}): Logger {
  const windows = new RepeatWindows(opts.perWindow ?? 10, opts.windowMs ?? 60_000, opts.now);
  return new Proxy(log, {
    get(target, prop, receiver) {
      if (typeof prop !== 'string' || !LIMITED.has(prop)) return Reflect.get(target, prop, receiver);
      const level = prop as 'warn' | 'error';
      return (...args: unknown[]) => {
        const msg = typeof args[0] === 'string' ? args[0] : typeof args[1] === 'string' ? args[1] : '';
        const { pass, suppressedBefore } = windows.hit(`${level}\0${msg}`);
        if (suppressedBefore > 0) target[level]({ suppressed: suppressedBefore, repeated: msg }, 'repeated log lines suppressed');
        if (pass) (target[level] as (...a: unknown[]) => void)(...args);
      };
    },
  });
}

import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

/**
 * `request.log` made on its first use. Fastify builds a pino child (its
 * bindings serialised) for every request: ~5 % of a cached answer's CPU in a
 * profile of bench/api.ts, while with request logging off (server.ts) few
 * requests log anything. The child is the one Fastify would make, so a line
 * still carries the request's `reqId` (skyclust's `request_id`). The log
 * methods are the prototype's: Fastify checks each request's logger for
 * them, and instance fields would be seven closures made per request.
 */
class LazyRequestLogger implements FastifyBaseLogger {
  #made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get made(): FastifyBaseLogger {
    return (this.#made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): FastifyBaseLogger['level'] {
    return this.#made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: FastifyBaseLogger['level']) {
    this.made.level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.made.child(bindings, options);
  }

  fatal(...args: Parameters<FastifyBaseLogger['fatal']>): void {
    this.made.fatal(...args);
  }

  error(...args: Parameters<FastifyBaseLogger['error']>): void {
    this.made.error(...args);
  }

  warn(...args: Parameters<FastifyBaseLogger['warn']>): void {
    this.made.warn(...args);
  }

  info(...args: Parameters<FastifyBaseLogger['info']>): void {
    this.made.info(...args);
  }

  debug(...args: Parameters<FastifyBaseLogger['debug']>): void {
    this.made.debug(...args);
  }

  trace(...args: Parameters<FastifyBaseLogger['trace']>): void {
    this.made.trace(...args);
  }

  silent(...args: Parameters<FastifyBaseLogger['silent']>): void {
    this.made.silent(...args);
  }
}

/** Fastify's `childLoggerFactory`: see LazyRequestLogger. */
export function lazyRequestLogger(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyRequestLogger(parent, bindings, options);
}

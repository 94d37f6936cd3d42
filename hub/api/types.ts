import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ApiDeps } from './deps.js';

/** The Fastify instance every area registers its routes on (TypeBox schemas type the handlers). */
export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** One file's routes: registered inside its area's plugin (prefix and error handler set there). */
export type RouteModule = (app: Api, deps: ApiDeps) => void | Promise<void>;

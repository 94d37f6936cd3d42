import { Type } from '@sinclair/typebox';

/** The web console (docs/console.md): the built front end the hub serves at `/`. */
export const ConsoleConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** The folder `npm run build` writes the console to; empty: `dist/console` of the hub's own package. */
    dir: Type.String({ default: '' }),
  },
  { default: {} },
);

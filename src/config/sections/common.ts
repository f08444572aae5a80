// Building blocks shared by the configuration sections.
import { z } from 'zod';
import { show } from '../fields.ts';

export const enumOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (iss) => `expected one of ${values.join(', ')}, got ${show(iss.input)}` });

export const listOf = <T extends z.ZodType>(item: T) =>
  z.array(item, { error: (iss) => `expected a list, got ${show(iss.input)}` });

/** What every section builder gets: resolves relative paths against the config file's directory. */
export interface SectionContext {
  path: z.ZodType<string, string>;
}

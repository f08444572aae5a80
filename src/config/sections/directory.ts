import { z } from 'zod';
import { unknownType } from '../fields.ts';
import { listOf, type SectionContext } from './common.ts';

/** Where Postern looks up users: backends tried in order (LDAP joins `file` with the directory issue). */
export const directorySection = ({ path }: SectionContext) => {
  const file = z.strictObject({ type: z.literal('file'), path });
  const backend = z.discriminatedUnion('type', [file], { error: unknownType('directory backend', ['file']) });
  return z.strictObject({ backends: listOf(backend).default([]) }).prefault({});
};

export type DirectoryBackendConfig = z.output<ReturnType<typeof directorySection>>['backends'][number];

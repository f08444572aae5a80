import { z } from 'zod';
import { unknownType } from '../fields.ts';
import { listOf, type SectionContext } from './common.ts';

export const directorySection = ({ path }: SectionContext) => {
  const file = z.strictObject({ type: z.literal('file'), path });
  const backend = z.discriminatedUnion('type', [file], { error: unknownType('backend', ['file']) });
  return z.strictObject({ backends: listOf(backend).default([]) }).prefault({});
};

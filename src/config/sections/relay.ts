import { z } from 'zod';
import { cidr } from '../fields.ts';
import { listOf } from './common.ts';

export const relaySection = () =>
  z
    .strictObject({
      networks: listOf(cidr()).prefault(['127.0.0.0/8', '::1/128']),
    })
    .prefault({});

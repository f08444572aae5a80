import { z } from 'zod';
import { cidr, domainName } from '../fields.ts';
import { listOf } from './common.ts';

/** policy.allowlist: clients and sender domains that the blocklists and greylisting never hold back. */
export const allowlistSection = () =>
  z
    .strictObject({
      networks: listOf(cidr()).default([]),
      /** A domain covers its subdomains too. */
      domains: listOf(domainName()).default([]),
    })
    .prefault({});

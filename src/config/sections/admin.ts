// The HTTP admin API, web console and /metrics. Absent: no admin listener at all, so an
// installation exposes nothing it did not ask for.
import { z } from 'zod';
import { endpoint, positiveInt } from '../fields.ts';
import { listOf, type SectionContext } from './common.ts';

export const ADMIN_PORT = 8025;

export const adminSection = ({ path }: SectionContext) =>
  z
    .strictObject({
      listen: endpoint(ADMIN_PORT).prefault(`127.0.0.1:${ADMIN_PORT}`),
      /** The bearer token, written in the file; or tokenFile, read at start (one of the two). */
      token: z.string().min(1, { error: 'expected a token, got an empty string' }).optional(),
      tokenFile: path.optional(),
      /** Further named tokens, so the change log says which one acted. */
      tokens: listOf(z.strictObject({ name: z.string().regex(/^[\w.-]{1,64}$/, { error: 'expected a name of letters, digits, ".", "_" or "-"' }), token: z.string().min(1, { error: 'expected a token, got an empty string' }) })).default([]),
      /** HTTPS instead of HTTP: both files or neither. */
      tls: z.strictObject({ cert: path, key: path }).optional(),
      /** /metrics answers without a token (for a Prometheus that cannot send one). */
      metricsPublic: z.boolean().default(false),
      /** How many delivery outcomes the delivery log keeps (oldest dropped first). */
      deliveryLogSize: positiveInt().default(100_000),
    })
    .superRefine((admin, ctx) => {
      if (admin.token === undefined && admin.tokenFile === undefined && admin.tokens.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['token'], message: 'the admin API needs a bearer token: add admin.token (e.g. the output of "openssl rand -hex 24") or admin.tokenFile: /etc/postern/admin.token' });
      }
      if (admin.token !== undefined && admin.tokenFile !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['tokenFile'], message: 'give admin.token or admin.tokenFile, not both' });
      }
    })
    .optional();

import { z } from 'zod';
import { duration, positiveInt, show } from '../fields.ts';

/** Where clamd listens: "host:port" (TCP; "[::1]:3310" for IPv6) or a unix socket path. */
export type ClamdAddress = { host: string; port: number } | { path: string };

/** Reads "host:port" or an absolute path ("/run/clamav/clamd.ctl"); undefined for anything else. */
export function parseClamdAddress(text: string): ClamdAddress | undefined {
  if (text.startsWith('/')) return { path: text };
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2]!, port };
}

const clamdAddress = () =>
  z.string({ error: (iss) => `expected "host:port" or a unix socket path, got ${show(iss.input)}` }).transform((text, ctx) => {
    const address = parseClamdAddress(text);
    if (!address) {
      ctx.addIssue({ code: 'custom', message: `expected "host:port" (e.g. "127.0.0.1:3310") or an absolute unix socket path (e.g. "/run/clamav/clamd.ctl"), got ${show(text)}`, input: text });
      return z.NEVER;
    }
    return address;
  });

/** content.clamav: the ClamAV daemon that scans every message; absent: no virus scanning. */
export const clamavSection = () =>
  z
    .strictObject({
      address: clamdAddress(),
      /** One scan, from connecting to clamd's answer. */
      timeout: duration().prefault('30s'),
      /** Scans sent to clamd at once; more wait their turn. */
      maxParallel: positiveInt().default(4),
      /** Scanner down or failing: false answers 451 4.7.0 (the sender retries); true accepts unscanned with a warning field. */
      failOpen: z.boolean().default(false),
    })
    .optional();

export type ClamavConfig = NonNullable<z.output<ReturnType<typeof clamavSection>>>;

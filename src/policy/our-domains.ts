// Whether a domain or an address is one of ours (config `domains`). Every check compares in the
// same way: ASCII (punycode) and lower case, so a UTF-8 spelling of our domain is ours and a
// look-alike is not; an address literal ([192.0.2.1]) or a trailing dot is never ours.
import { domainToASCII } from 'node:url';

export interface OurDomains {
  /** True for "example.test", "EXAMPLE.test", "bücher.example" when configured; false for "example.test.". */
  hasDomain(domain: string): boolean;
  /** True when the address's domain (after its last '@') is ours. */
  hasAddress(address: string): boolean;
}

/** The ASCII lower-case form of a domain, or undefined when it is an address literal or no domain name. */
export function asciiDomain(domain: string): string | undefined {
  if (domain.startsWith('[')) return undefined;
  const ascii = domainToASCII(domain);
  return ascii === '' ? undefined : ascii.toLowerCase();
}

/** The part after the last '@'; '' when there is none. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1);
}

export function ourDomains(domains: readonly string[]): OurDomains {
  const ours = new Set(domains.map((d) => d.toLowerCase()));
  const hasDomain = (domain: string) => {
    const ascii = asciiDomain(domain);
    return ascii !== undefined && ours.has(ascii);
  };
  return { hasDomain, hasAddress: (address) => address.includes('@') && hasDomain(domainOf(address)) };
}

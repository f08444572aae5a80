// Checks of the options every benchmark script reads the same way, with messages that name the option.

/** "10" as 10; throws unless it is a whole number of at least `least`. */
export function wholeNumber(name: string, text: string, least: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < least) throw new Error(`--${name}: expected a whole number of at least ${least}, got "${text}"`);
  return value;
}

/** "10,50" as [10, 50]; throws unless every value is a whole number of at least `least`. */
export function wholeNumbers(name: string, text: string, least: number): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < least)) throw new Error(`--${name}: expected whole numbers of at least ${least}, got "${text}"`);
  return values;
}

/** "postern,postfix" as a list; throws unless it names one or more of `known`. */
export function serverNames(text: string, known: string[]): string[] {
  const servers = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (servers.length === 0 || servers.some((s) => !known.includes(s))) throw new Error(`--servers: expected some of ${known.join(', ')}, got "${text}"`);
  return servers;
}

/** The wait before the next attempt after `attempts` failed ones: doubling from min, capped at max (Postfix's backoff). */
export function retryDelay(attempts: number, min: number, max: number): number {
  return Math.min(max, min * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
}

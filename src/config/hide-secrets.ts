// The effective configuration as it may be shown (check-config, the admin API): secrets replaced,
// so a pasted check-config output or a support ticket never carries a password or a key.
const SECRET_KEYS = new Set(['password', 'token', 'secret']);
export const HIDDEN = '(hidden)';

export function hideSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hideSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, SECRET_KEYS.has(key) && typeof v === 'string' ? HIDDEN : hideSecrets(v)]));
}

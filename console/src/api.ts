// The admin API as the console calls it: the token from the sign-in form, kept for this tab
// only (sessionStorage), sent as a bearer token; a 401 sends the administrator back to sign in.
const TOKEN_KEY = 'postern-admin-token';

export class SignInNeeded extends Error {}

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string): void => sessionStorage.setItem(TOKEN_KEY, value),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

export interface CommandResult {
  ok: boolean;
  message: string;
  details?: string[];
}

async function call<T>(method: string, path: string): Promise<T> {
  const response = await fetch(path, { method, headers: { authorization: `Bearer ${token.get() ?? ''}` } });
  if (response.status === 401) {
    token.clear();
    throw new SignInNeeded('sign in again: the token was not accepted');
  }
  const body = (await response.json()) as T;
  return body;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: (path: string) => call<CommandResult>('POST', path),
  delete: (path: string) => call<CommandResult>('DELETE', path),
};

export function query(params: Record<string, string>): string {
  const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

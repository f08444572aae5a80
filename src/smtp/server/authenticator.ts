// How the engine checks SASL credentials. The directory (file backend now, LDAP later) implements it.

/**
 * 'ok' — the password is right; 'fail' — wrong user or password (the engine answers 535 5.7.8
 * after its fixed delay); 'unavailable' — the backend could not answer (454 4.7.0, never a 535).
 */
export type AuthResult = 'ok' | 'fail' | 'unavailable';

export interface Authenticator {
  /** authcid: the authentication identity (user name); the engine has already rejected authzid ≠ authcid. */
  verify(authcid: string, password: string): Promise<AuthResult>;
}

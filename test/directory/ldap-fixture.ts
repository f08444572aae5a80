// The test company's directory: users routed to two mail hosts, an alias, forwards (one a loop),
// nested groups (one containing itself), a member that does not exist, and passwords for AUTH.
import { BASE_LDIF, LDAP_SUFFIX } from '../helpers/slapd.ts';

export const PEOPLE = `ou=people,${LDAP_SUFFIX}`;

const GROUPS = `ou=groups,${LDAP_SUFFIX}`;

/** Mail hosts of the two halves of example.test (mailHost). */
export const MAILSTORE_A = '127.0.0.31';
export const MAILSTORE_B = '127.0.0.32';

const person = (uid: string, lines: string[]) => `dn: uid=${uid},${PEOPLE}
objectClass: inetOrgPerson
objectClass: inetLocalMailRecipient
objectClass: qmailUser
uid: ${uid}
cn: ${uid}
sn: ${uid}
${lines.join('\n')}
`;

/** The account Postern searches as (a service bind, not the directory's root). */
export const SERVICE_DN = `cn=postern,${LDAP_SUFFIX}`;
export const SERVICE_PASSWORD = 'postern-pw';

/** A distribution list: groupOfNames, with an address (mailLocalAddress) to send to. */
const group = (cn: string, members: string[]) => `dn: cn=${cn},${GROUPS}
objectClass: groupOfNames
objectClass: inetLocalMailRecipient
cn: ${cn}
mailLocalAddress: ${cn}@example.test
${members.map((dn) => `member: ${dn}`).join('\n')}
`;

export const DIRECTORY_LDIF = [
  BASE_LDIF,
  `dn: ${SERVICE_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: postern
userPassword: ${SERVICE_PASSWORD}
`,
  person('alice', ['mail: alice@example.test', 'mailLocalAddress: a.smith@example.test', `mailHost: ${MAILSTORE_A}`, 'userPassword: alice-pw']),
  person('bob', ['mail: bob@example.test', `mailHost: ${MAILSTORE_B}`, 'userPassword: bob-pw']),
  person('carol', ['mail: carol@example.test', 'userPassword: carol-pw']),
  person('dave', ['mail: dave@example.test', 'mailForwardingAddress: bob@example.test', 'mailForwardingAddress: dave@example.test', `mailHost: ${MAILSTORE_A}`]),
  person('loop1', ['mail: loop1@example.test', 'mailForwardingAddress: loop2@example.test']),
  person('loop2', ['mail: loop2@example.test', 'mailForwardingAddress: loop1@example.test']),
  group('team', [`uid=alice,${PEOPLE}`, `cn=subteam,${GROUPS}`, `uid=gone,${PEOPLE}`]),
  group('subteam', [`uid=carol,${PEOPLE}`, `cn=team,${GROUPS}`]),
].join('\n');

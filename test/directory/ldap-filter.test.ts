// RFC 4515 §3 escaping of addresses put into LDAP filters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeFilterValue, fillFilter } from '../../src/directory/ldap-filter.ts';

test('the five special characters become \\XX; everything else stays as it is', () => {
  assert.equal(escapeFilterValue('*)(uid=*'), '\\2a\\29\\28uid=\\2a');
  assert.equal(escapeFilterValue('a\\00b'), 'a\\5c00b');
  assert.equal(escapeFilterValue('jörg+tag@bücher.example'), 'jörg+tag@bücher.example');
});

test('every %s of the template is the escaped address; an address with NUL is refused', () => {
  assert.equal(fillFilter('(|(mail=%s)(mailLocalAddress=%s))', '*@example.test'), '(|(mail=\\2a@example.test)(mailLocalAddress=\\2a@example.test))');
  assert.equal(fillFilter('(mail=%s)', '$&$1@example.test'), '(mail=$&$1@example.test)', 'replacement patterns are not interpreted');
  assert.equal(fillFilter('(mail=%s)', 'alice\0@example.test'), undefined);
});

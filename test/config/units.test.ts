import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEndpoint } from '../../src/config/endpoint.ts';
import { parseDuration, parseSize } from '../../src/config/units.ts';

test('durations: units, combinations and bare seconds', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('4h'), 14_400_000);
  assert.equal(parseDuration('5d'), 432_000_000);
  assert.equal(parseDuration('2w'), 1_209_600_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('90'), 90_000);
  assert.equal(parseDuration(2), 2000);
  assert.equal(parseDuration('1H'), 3_600_000);
});

test('durations: malformed text is refused', () => {
  for (const bad of ['', 's', '5x', '5 m', '-5s', '1h30', 'h1', '5m!']) assert.equal(parseDuration(bad), undefined, bad);
  assert.equal(parseDuration(-1), undefined);
});

test('sizes: binary multiples and bare bytes', () => {
  assert.equal(parseSize('10MB'), 10 * 1024 * 1024);
  assert.equal(parseSize('512k'), 512 * 1024);
  assert.equal(parseSize('1GiB'), 1024 ** 3);
  assert.equal(parseSize('2048'), 2048);
  assert.equal(parseSize(100), 100);
  for (const bad of ['', 'MB', '10XB', '-1', '1.5.2k']) assert.equal(parseSize(bad), undefined, bad);
});

test('endpoints: IPv4, bracketed IPv6, default port', () => {
  assert.deepEqual(parseEndpoint('127.0.0.1:5353', 53), { address: '127.0.0.1', port: 5353 });
  assert.deepEqual(parseEndpoint('[::1]:53', 53), { address: '::1', port: 53 });
  assert.deepEqual(parseEndpoint('::1', 53), { address: '::1', port: 53 });
  assert.deepEqual(parseEndpoint('192.0.2.1', 53), { address: '192.0.2.1', port: 53 });
  assert.deepEqual(parseEndpoint('[::1]', 53), { address: '::1', port: 53 });
  for (const bad of ['127.0.0.1:25a', '127.0.0.1:0', '127.0.0.1:65536', 'localhost:53', '[::1]:', 'x', '']) {
    assert.equal(parseEndpoint(bad, 53), undefined, bad);
  }
});

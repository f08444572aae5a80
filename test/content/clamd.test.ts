import assert from 'node:assert/strict';
import net from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { parseClamdAddress } from '../../src/config/sections/content-clamav.ts';
import { ClamdScanner, clamdReply } from '../../src/content/clamd.ts';
import { EICAR, EICAR_SIGNATURE, MARKER_SIGNATURE, VIRUS_MARKER, startClamd, type TestClamd } from '../helpers/clamd.ts';
import { freePort } from '../helpers/postern-process.ts';

function mimeWithAttachment(name: string, content: Buffer): Buffer {
  const b64 = content.toString('base64').replace(/.{1,76}/g, '$&\r\n');
  return Buffer.from(
    'From: a@example.com\r\nTo: b@example.net\r\nSubject: attachment\r\nMIME-Version: 1.0\r\n' +
      'Content-Type: multipart/mixed; boundary=XYZ\r\n\r\n--XYZ\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n' +
      `--XYZ\r\nContent-Type: application/octet-stream; name=${name}\r\nContent-Transfer-Encoding: base64\r\n` +
      `Content-Disposition: attachment; filename=${name}\r\n\r\n${b64}--XYZ--\r\n`,
  );
}

describe('clamd addresses and answers', () => {
  test('host:port, [v6]:port and socket paths are read; anything else is not', () => {
    assert.deepEqual(parseClamdAddress('127.0.0.1:3310'), { host: '127.0.0.1', port: 3310 });
    assert.deepEqual(parseClamdAddress('[::1]:3310'), { host: '::1', port: 3310 });
    assert.deepEqual(parseClamdAddress('clamd.internal:3310'), { host: 'clamd.internal', port: 3310 });
    assert.deepEqual(parseClamdAddress('/run/clamav/clamd.ctl'), { path: '/run/clamav/clamd.ctl' });
    for (const bad of ['127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', 'clamd.sock', '']) assert.equal(parseClamdAddress(bad), undefined, bad);
  });

  test("clamd's answers become clean, infected or error", () => {
    assert.deepEqual(clamdReply('stream: OK\0'), { kind: 'clean' });
    assert.deepEqual(clamdReply('stream: Win.Test.EICAR_HDB-1 FOUND\0'), { kind: 'infected', signature: 'Win.Test.EICAR_HDB-1' });
    assert.equal(clamdReply('INSTREAM size limit exceeded. ERROR').kind, 'error');
    assert.match((clamdReply('INSTREAM size limit exceeded. ERROR') as { message: string }).message, /StreamMaxLength/);
    assert.deepEqual(clamdReply('UNKNOWN COMMAND'), { kind: 'error', message: 'clamd: UNKNOWN COMMAND' });
  });
});

describe('scanning with a real clamd', () => {
  const scope: Array<() => unknown> = [];
  let clamd: TestClamd;
  let scanner: ClamdScanner;
  before(async () => {
    clamd = await startClamd({ after: (fn) => scope.push(fn) });
    scanner = new ClamdScanner({ address: parseClamdAddress(clamd.address)!, timeoutMs: 10_000, maxParallel: 2 });
  });
  after(async () => {
    for (const fn of scope.reverse()) await fn();
  });

  test('a clean message is clean', async () => {
    assert.deepEqual(await scanner.scan(Buffer.from('Subject: hello\r\n\r\nNothing to see here.\r\n')), { kind: 'clean' });
  });

  test('the EICAR file in a base64 attachment is found by its name', async () => {
    assert.deepEqual(await scanner.scan(mimeWithAttachment('eicar.com', Buffer.from(EICAR))), { kind: 'infected', signature: EICAR_SIGNATURE });
  });

  test('a custom signature deep in a large streamed message (many chunks) is found', async () => {
    const filler = Buffer.alloc(3 * 1024 * 1024, 'a');
    const message = mimeWithAttachment('data.bin', Buffer.concat([filler, Buffer.from(VIRUS_MARKER), filler]));
    const pieces = Readable.from((function* () {
      for (let at = 0; at < message.length; at += 10_000) yield message.subarray(at, at + 10_000);
    })());
    assert.deepEqual(await scanner.scan(pieces), { kind: 'infected', signature: MARKER_SIGNATURE });
  });

  test('the unix socket serves as well as TCP', async () => {
    const local = new ClamdScanner({ address: { path: clamd.socketPath }, timeoutMs: 10_000, maxParallel: 1 });
    const result = await local.scan(Buffer.from(EICAR));
    assert.equal(result.kind, 'infected');
    assert.match((result as { signature: string }).signature, /^Test\.EICAR\.(HDB|NDB)\.UNOFFICIAL$/);
  });

  test('many scans at once all get their own answer', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => scanner.scan(Buffer.from(i % 2 ? EICAR : `clean ${i}`))));
    results.forEach((r, i) => assert.equal(r.kind, i % 2 ? 'infected' : 'clean'));
  });
});

describe('when clamd cannot answer', () => {
  test('a message over StreamMaxLength is an error, not clean', async () => {
    const scope: Array<() => unknown> = [];
    try {
      const small = await startClamd({ after: (fn) => scope.push(fn) }, { streamMaxLength: '1M' });
      const scanner = new ClamdScanner({ address: parseClamdAddress(small.address)!, timeoutMs: 10_000, maxParallel: 1 });
      const result = await scanner.scan(Buffer.alloc(3 * 1024 * 1024, 'x'));
      assert.equal(result.kind, 'error');
      assert.match((result as { message: string }).message, /StreamMaxLength/);
    } finally {
      for (const fn of scope.reverse()) await fn();
    }
  });

  test('nothing listening: an error naming the address', async () => {
    const port = await freePort();
    const scanner = new ClamdScanner({ address: { host: '127.0.0.1', port }, timeoutMs: 2000, maxParallel: 1 });
    const result = await scanner.scan(Buffer.from('hello'));
    assert.deepEqual(result, { kind: 'error', message: `clamd at 127.0.0.1:${port}: ECONNREFUSED` });
  });

  test('a peer that never answers: an error after the timeout; scans beyond maxParallel wait their turn, within the same timeout', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.resume();
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const scanner = new ClamdScanner({ address: { host: '127.0.0.1', port }, timeoutMs: 300, maxParallel: 2 });
      const scans = Promise.all(Array.from({ length: 5 }, () => scanner.scan(Buffer.from('hello'))));
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(sockets.size, 2, 'two scans talk to the scanner, three wait');
      const messages = (await scans).map((r) => (r as { message: string }).message);
      assert.deepEqual(messages.slice(0, 2), Array(2).fill(`clamd at 127.0.0.1:${port}: no answer within 300 ms`));
      // The timeout counts from the call: a waiting scan is out of time by the turn it would get, or,
      // on a machine slow enough that the first two started late, soon after it gets one.
      for (const message of messages.slice(2)) assert.match(message, new RegExp(`^clamd at 127\\.0\\.0\\.1:${port}: (busy, no scan slot free|no answer) within 300 ms$`));
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

// @ts-check
// The worker thread of commit-thread.ts. Plain JavaScript on purpose: a worker does not inherit
// the tsx loader, and registering it again would cost ~20 MiB more memory.
// It runs every batch of rows it is sent (spool-db.ts: INSERTS, insertRows) in one
// transaction, and answers null once that is committed (the WAL fsync'd), or the error message.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ file: string, pragmas: string[], inserts: string[] }} */
const { file, pragmas, inserts } = workerData;
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const db = new Database(file);
for (const pragma of pragmas) db.pragma(pragma);
const statements = inserts.map((sql) => db.prepare(sql));
// A Buffer arrives as a plain Uint8Array; SQLite binds only Buffers as BLOBs.
const bindable = (/** @type {unknown} */ value) => (value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value);
const insert = db.transaction((/** @type {Array<[number, ...unknown[]]>} */ rows) => {
  for (const [statement, ...params] of rows) statements[statement].run(...params.map(bindable));
});

port.on('message', (rows) => {
  try {
    insert(rows);
    port.postMessage(null);
  } catch (err) {
    port.postMessage(err instanceof Error ? err.message : String(err));
  }
});
port.postMessage(null);

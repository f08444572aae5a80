// The messages between the cluster primary (cluster-service.ts) and its workers (cluster-worker.ts).

import type { RunAs } from '../../system/privileges.ts';
import type { StageSettings } from '../recursor/server-stages.ts';
import type { CounterSnapshot } from './counters.ts';
import type { TsigKeySpec } from '../tsig/keys.ts';
import type { Endpoint } from './endpoints.ts';
import type { Transport } from './transport.ts';
import type { DnsZoneConfig, ZoneReloadReport } from './zone-loading.ts';

export interface WorkerStartOptions {
  listen: Endpoint[];
  zones: DnsZoneConfig[];
  tcpIdleTimeoutMs: number;
  maxTcpConnections: number;
  /** Queries one TCP connection may send before it is closed (default: the listener's). */
  maxTcpQueriesPerConnection?: number;
  logLevel: string;
  /** The user and group a worker becomes once its sockets are shared (it is forked as root). */
  runAs: RunAs;
  /** Whether this worker logs zone loads (one worker does, so each event is logged once). */
  logZones: boolean;
  /** Opcodes whose messages the worker hands to the primary (UPDATE: one writer for the journal). */
  forwardOpcodes: number[];
  /** Recursion and rate limiting; each worker has its own cache and counters. */
  stages?: StageSettings;
  /** TSIG keys (dns.keys). */
  keys?: TsigKeySpec[];
}

export type ToWorker =
  | { kind: 'start'; options: WorkerStartOptions }
  | { kind: 'reload'; id: number; zones: DnsZoneConfig[] }
  | { kind: 'counters'; id: number }
  /** The primary's answer to a forwarded message (base64), or none (drop it). */
  | { kind: 'forwarded'; id: number; response?: string }
  | { kind: 'close' };

export type FromWorker =
  /** The worker's code is loaded and listens for messages (IPC messages sent before are lost). */
  | { kind: 'loaded' }
  | { kind: 'started'; report: ZoneReloadReport }
  | { kind: 'start-failed'; message: string }
  | { kind: 'reloaded'; id: number; report: ZoneReloadReport }
  | { kind: 'counted'; id: number; counters: CounterSnapshot }
  | { kind: 'log'; line: string }
  /** A message for the primary to answer (base64). */
  | { kind: 'forward'; id: number; opcode: number; query: string; client: string; transport: Transport }
  | { kind: 'closed' };

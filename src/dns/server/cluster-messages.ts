// The messages between the cluster primary (cluster-service.ts) and its workers (cluster-worker.ts).

import type { RunAs } from '../../system/privileges.ts';
import type { Endpoint } from './endpoints.ts';
import type { DnsZoneConfig, ZoneReloadReport } from './zone-loading.ts';

export interface WorkerStartOptions {
  listen: Endpoint[];
  zones: DnsZoneConfig[];
  tcpIdleTimeoutMs: number;
  maxTcpConnections: number;
  logLevel: string;
  /** The user and group a worker becomes once its sockets are shared (it is forked as root). */
  runAs: RunAs;
  /** Whether this worker logs zone loads (one worker does, so each event is logged once). */
  logZones: boolean;
}

export type ToWorker =
  | { kind: 'start'; options: WorkerStartOptions }
  | { kind: 'reload'; id: number; zones: DnsZoneConfig[] }
  | { kind: 'close' };

export type FromWorker =
  /** The worker's code is loaded and listens for messages (IPC messages sent before are lost). */
  | { kind: 'loaded' }
  | { kind: 'started' }
  | { kind: 'start-failed'; message: string }
  | { kind: 'reloaded'; id: number; report: ZoneReloadReport }
  | { kind: 'log'; line: string }
  | { kind: 'closed' };

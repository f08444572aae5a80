import { join } from 'node:path';

// The control socket: one JSON request line in, one JSON reply line out. It lives in dataDir,
// so only users who can reach dataDir can stop or reload Postern.

export type ControlCommand = 'status' | 'reload' | 'dns-reload' | 'stop' | 'queue' | 'quarantine';

export interface ControlRequest {
  command: ControlCommand;
  /** For 'queue' and 'quarantine': the action and its queue id, e.g. ["hold", "3F1A…"]. */
  args?: string[];
}

export interface ControlReply {
  ok: boolean;
  message: string;
  details?: string[];
}

export const controlSocketPath = (dataDir: string) => join(dataDir, 'postern.sock');
export const pidFilePath = (dataDir: string) => join(dataDir, 'postern.pid');

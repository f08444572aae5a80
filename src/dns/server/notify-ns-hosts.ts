// The zone's own name servers as NOTIFY targets (dns.zones[].notifyNsHosts, BIND's "notify yes"):
// the apex NS names whose addresses the zone itself holds (glue or in-zone names), on port 53,
// less the addresses Postern listens on. Names outside the zone are left to `notify`: their
// addresses are not the zone's to give.
import { silentLogger } from '../../log/logger.ts';
import { canonicalName, isInZone } from '../wire/names.ts';
import { RRType } from '../wire/rrtypes.ts';
import { ZoneSet } from '../zone/store.ts';
import type { NotifyTarget } from './notify-out.ts';
import { loadZones, type DnsZoneConfig } from './zone-loading.ts';

const NOTIFY_PORT = 53;

export async function nsHostTargets(zone: DnsZoneConfig, ours: ReadonlySet<string>): Promise<NotifyTarget[]> {
  const { zones } = await loadZones([{ ...zone, secondary: undefined }], new ZoneSet(), silentLogger());
  const snapshot = zones.get(zone.name);
  if (!snapshot) return [];
  const targets: NotifyTarget[] = [];
  for (const ns of snapshot.node(snapshot.apex)?.get(RRType.NS)?.records ?? []) {
    const host = String(ns.data.nsdname);
    if (!isInZone(host, snapshot.origin)) continue;
    const node = snapshot.node(canonicalName(host));
    for (const type of [RRType.A, RRType.AAAA]) {
      for (const rr of node?.get(type)?.records ?? []) {
        const address = String(rr.data.address);
        if (!ours.has(address) && !targets.some((t) => t.address === address)) targets.push({ address, port: NOTIFY_PORT });
      }
    }
  }
  return targets;
}

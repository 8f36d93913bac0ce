// Which stations a rollout includes (DESIGN §13): a station's place in [0, 100) is fixed per
// version, so raising the percentage only adds stations and a new version draws a new sample.
import { createHash } from 'node:crypto';

/** `uint32(SHA-256(stationId + ":" + version)[0..4]) / 2^32 × 100`: the station's place in [0, 100). */
export function rolloutBucket(stationId: string, version: string): number {
  const digest = createHash('sha256').update(`${stationId}:${version}`, 'utf8').digest();
  return (digest.readUInt32BE(0) / 2 ** 32) * 100;
}

/** The share that applies to a station: the document's percent, or its channel's share when higher. */
export function effectivePercent(percent: number, channels: Record<string, number>, channel: string | undefined): number {
  const share = channel === undefined || channel === '' ? undefined : channels[channel];
  return share !== undefined && share > percent ? share : percent;
}

/** True when the station is among the first `percent` % for this version. */
export function isInRollout(stationId: string, version: string, percent: number): boolean {
  return rolloutBucket(stationId, version) < percent;
}

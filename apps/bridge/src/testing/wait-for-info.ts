import { type EgressInfo, ListEgressRequest } from '@livekit/protocol';
import type { Bridge } from '../bridge.js';

/**
 * Resolves with an egress's stored info once `isWanted` holds for it: checked now and on every
 * change the bridge announces.
 * @throws when it does not happen within `timeoutMs`.
 */
export function waitForInfo(
  bridge: Bridge,
  egressId: string,
  isWanted: (info: EgressInfo) => boolean,
  timeoutMs = 10_000,
): Promise<EgressInfo> {
  return new Promise((resolve, reject) => {
    let last: EgressInfo | undefined;
    const done = (err: Error | undefined, info?: EgressInfo) => {
      clearTimeout(timer);
      unsubscribe();
      if (err) reject(err);
      else if (info) resolve(info);
    };
    const check = (info: EgressInfo | undefined) => {
      if (!info || info.egressId !== egressId) return;
      last = info;
      if (isWanted(info)) done(undefined, info);
    };
    const timer = setTimeout(() => {
      const seen = last ? JSON.stringify(last.toJson()) : 'nothing';
      done(new Error(`egress ${egressId} not as wanted after ${timeoutMs} ms; last: ${seen}`));
    }, timeoutMs);
    const unsubscribe = bridge.onInfoChanged(check);
    bridge.service
      .list(new ListEgressRequest({ egressId }))
      .then((response) => check(response.items[0]))
      .catch((err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
  });
}

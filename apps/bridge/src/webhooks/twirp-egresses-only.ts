import { isFinalStatus, type Logger } from '@egress/protocol';
import type { EgressInfo } from '@livekit/protocol';
import type { InfoListener } from '../state/egress-state.js';
import type { EgressStore } from '../state/egress-store.js';

/**
 * Passes on the changes of egresses started through the Twirp door only. For an egress that
 * livekit-server started (psrpc door), livekit-server itself sends `egress_started`,
 * `egress_updated` and `egress_ended`, to its configured URLs and to the request's `webhooks`,
 * from the IOInfo calls the door makes (livekit/livekit pkg/service/ioservice.go,
 * pkg/telemetry/events.go `NotifyEgressEvent`); Go's egress service sends no webhooks at all.
 * Sending ours too would deliver every event twice.
 *
 * The origin is read once per egress from the store (the psrpc door marks its egresses before
 * they are announced), so changes of one egress keep their order. If it cannot be read, the
 * change is passed on: a duplicate is better than a lost event.
 */
export function twirpEgressesOnly(
  store: Pick<EgressStore, 'psrpcOwnerOf'>,
  listener: InfoListener,
  logger: Logger,
): InfoListener {
  const log = logger.child({ component: 'webhooks' });
  const isPsrpcOf = new Map<string, Promise<boolean>>();
  return (info: EgressInfo) => {
    const egressId = info.egressId;
    let isPsrpc = isPsrpcOf.get(egressId);
    if (!isPsrpc) {
      isPsrpc = store.psrpcOwnerOf(egressId).then(
        (owner) => owner !== undefined,
        (err: unknown) => {
          log.warn({ err, egressId }, 'egress origin not read; sending its webhooks');
          return false;
        },
      );
      isPsrpcOf.set(egressId, isPsrpc);
    }
    if (isFinalStatus(info.status)) isPsrpcOf.delete(egressId);
    void isPsrpc
      .then((isLivekitServers) => {
        if (!isLivekitServers) listener(info);
      })
      .catch((err: unknown) => log.error({ err, egressId }, 'webhook listener threw'));
  };
}

import type { AnyMessage, Message, MessageType } from '@bufbuild/protobuf';
import {
  ListEgressRequest,
  ParticipantEgressRequest,
  RoomCompositeEgressRequest,
  StartEgressRequest,
  StopEgressRequest,
  TrackCompositeEgressRequest,
  TrackEgressRequest,
  UpdateLayoutRequest,
  UpdateStreamRequest,
  WebEgressRequest,
} from '@livekit/protocol';
import type { EgressService } from '../egress-service.js';

/** One `livekit.Egress` method: its input class and what it does. */
export interface TwirpMethod<Req extends Message<Req> = AnyMessage> {
  readonly input: MessageType<Req>;
  readonly run: (service: EgressService, request: Req) => Promise<AnyMessage>;
}

function method<Req extends Message<Req>>(
  input: MessageType<Req>,
  run: (service: EgressService, request: Req) => Promise<AnyMessage>,
): TwirpMethod {
  // Erased to AnyMessage for the table; the server decodes with `input`, so `run` gets a Req.
  return { input, run } as unknown as TwirpMethod;
}

/** The Twirp service path prefix: `/twirp/livekit.Egress/<Method>`. */
export const EGRESS_SERVICE_PATH = '/twirp/livekit.Egress/';

/** The `livekit.Egress` methods the bridge serves, by Twirp method name. */
export const EGRESS_METHODS: ReadonlyMap<string, TwirpMethod> = new Map([
  [
    'StartRoomCompositeEgress',
    method(RoomCompositeEgressRequest, (s, value) =>
      s.intake.start({ case: 'roomComposite', value }),
    ),
  ],
  [
    'StartWebEgress',
    method(WebEgressRequest, (s, value) => s.intake.start({ case: 'web', value })),
  ],
  [
    'StartParticipantEgress',
    method(ParticipantEgressRequest, (s, value) => s.intake.start({ case: 'participant', value })),
  ],
  [
    'StartTrackCompositeEgress',
    method(TrackCompositeEgressRequest, (s, value) =>
      s.intake.start({ case: 'trackComposite', value }),
    ),
  ],
  [
    'StartTrackEgress',
    method(TrackEgressRequest, (s, value) => s.intake.start({ case: 'track', value })),
  ],
  [
    'StartEgress',
    method(StartEgressRequest, (s, value) => s.intake.start({ case: 'egress', value })),
  ],
  ['UpdateLayout', method(UpdateLayoutRequest, (s, request) => s.updateLayout(request))],
  ['UpdateStream', method(UpdateStreamRequest, (s, request) => s.updateStream(request))],
  ['ListEgress', method(ListEgressRequest, (s, request) => s.list(request))],
  ['StopEgress', method(StopEgressRequest, (s, request) => s.stop(request.egressId))],
]);

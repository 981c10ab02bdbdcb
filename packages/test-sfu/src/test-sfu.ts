import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ParticipantInfo, Room as RoomInfo } from '@livekit/protocol';
import { DisconnectReason } from '@livekit/protocol';
import { WebSocketServer } from 'ws';
import { AccessTokenChecker } from './access-token.js';
import { createRequestHandler } from './http-routes.js';
import { silentLogger, type TestSfuLogger } from './logger.js';
import { RoomRegistry } from './room-registry.js';
import { createUpgradeHandler } from './signal-upgrade.js';
import { applyWeriftWorkarounds } from './werift-workarounds.js';

/** Options for {@link startTestSfu}. */
export interface TestSfuOptions {
  /** The API key tokens must be issued by (`iss`). */
  apiKey: string;
  /** The secret tokens must be signed with (HS256). */
  apiSecret: string;
  /**
   * Address for signalling and HTTP.
   * @defaultValue '127.0.0.1'
   */
  host?: string;
  /**
   * Port for signalling and HTTP; 0 picks a free one.
   * @defaultValue 0
   */
  port?: number;
  /**
   * The one IPv4 address the SFU gathers ICE candidates on. Inside scripts/netns-run that is the
   * veth address (libwebrtc ignores loopback); unset, every host address is used.
   * @defaultValue `process.env.EGRESS_TEST_ICE_IP`
   */
  iceIp?: string;
  /**
   * Whether joiners get a subscriber offer right away and connect it first, as livekit-server
   * does for subscribing clients.
   * @defaultValue true
   */
  subscriberPrimary?: boolean;
  /** @defaultValue a silent logger */
  logger?: TestSfuLogger;
}

/** What tests can see and do in the SFU's rooms. */
export interface TestSfuRooms {
  /** The rooms that have participants. */
  list(): RoomInfo[];
  /** Every participant of `room`, hidden ones included; empty for an unknown room. */
  participants(room: string): ParticipantInfo[];
  /** Deletes `room` (participants hear ROOM_DELETED); false if it does not exist. */
  delete(room: string): Promise<boolean>;
  /** Removes a participant (it hears PARTICIPANT_REMOVED); false if not found. */
  removeParticipant(room: string, identity: string): Promise<boolean>;
  /**
   * Changes a participant's name, metadata or attributes as RoomService UpdateParticipant does
   * (empty name or metadata: unchanged; an empty attribute value deletes it) and tells every
   * client that sees it, itself included. Undefined if not found.
   */
  updateParticipant(
    room: string,
    identity: string,
    change: { name?: string; metadata?: string; attributes?: Record<string, string> },
  ): ParticipantInfo | undefined;
  /**
   * Says who speaks in `room`, loudest first (identities of visible participants), instead of
   * detecting it from the publishers' audio levels (the `ssrc-audio-level` header extension);
   * `undefined` goes back to detection. Clients get `SpeakersChanged` at once. False for an
   * unknown room.
   */
  setActiveSpeakers(room: string, identities: readonly string[] | undefined): boolean;
  /**
   * The rid of the simulcast layer the SFU forwards for a published track (`q`, `h`, `f`; ''
   * without simulcast), or undefined before media or for an unknown track.
   */
  forwardedLayer(room: string, trackSid: string): string | undefined;
}

/** A running test SFU. */
export interface TestSfu {
  /** The signalling URL clients connect to: `ws://<host>:<port>`. */
  readonly url: string;
  /** The same server over HTTP, for RoomServiceClient and validate requests. */
  readonly httpUrl: string;
  readonly port: number;
  readonly rooms: TestSfuRooms;
  /** Deletes every room and stops the server. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a LiveKit-signalling-compatible SFU on werift for tests: rtc-node and livekit-client
 * can join, publish (Opus, VP8, H264) and subscribe. See packages/test-sfu/README.md.
 *
 * @throws Error when the port cannot be bound or werift is not the version the workarounds need
 */
export async function startTestSfu(options: TestSfuOptions): Promise<TestSfu> {
  if (!options.apiKey) throw new Error('startTestSfu: apiKey must not be empty');
  if (!options.apiSecret) throw new Error('startTestSfu: apiSecret must not be empty');
  applyWeriftWorkarounds();
  const host = options.host ?? '127.0.0.1';
  const logger = (options.logger ?? silentLogger).child({ component: 'test-sfu' });
  const iceIp = options.iceIp ?? process.env.EGRESS_TEST_ICE_IP;
  const tokens = new AccessTokenChecker(options.apiKey, options.apiSecret);
  const rooms = new RoomRegistry({ subscriberPrimary: options.subscriberPrimary ?? true, logger });
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer(createRequestHandler({ tokens, rooms, logger }));
  server.on('upgrade', createUpgradeHandler({ tokens, rooms, wss, iceIp, logger }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  logger.info({ host, port, iceIp }, 'test sfu listening');

  let closing: Promise<void> | undefined;
  const close = async () => {
    await rooms.deleteAll();
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    logger.info({ port }, 'test sfu closed');
  };

  return {
    url: `ws://${host}:${port}`,
    httpUrl: `http://${host}:${port}`,
    port,
    rooms: {
      list: () => rooms.list().map((r) => r.info()),
      participants: (room) => rooms.get(room)?.participants.map((p) => p.info()) ?? [],
      delete: async (room) => {
        const found = rooms.get(room);
        await found?.delete();
        return found !== undefined;
      },
      removeParticipant: async (room, identity) => {
        const found = rooms.get(room);
        const session = found?.participants.find((p) => p.identity === identity);
        if (!found || !session) return false;
        await found.remove(session, DisconnectReason.PARTICIPANT_REMOVED);
        return true;
      },
      updateParticipant: (room, identity, change) => {
        const found = rooms.get(room);
        const session = found?.participants.find((p) => p.identity === identity);
        if (!found || !session) return undefined;
        return found.updateParticipant(session, change);
      },
      forwardedLayer: (room, trackSid) => {
        for (const p of rooms.get(room)?.participants ?? []) {
          const track = p.tracks.get(trackSid);
          if (track) return track.forwardedRid;
        }
        return undefined;
      },
      setActiveSpeakers: (room, identities) => {
        const found = rooms.get(room);
        found?.setActiveSpeakers(identities);
        return found !== undefined;
      },
    },
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}

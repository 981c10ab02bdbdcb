import type { JsonValue, Message } from '@bufbuild/protobuf';
import {
  DeleteRoomRequest,
  DeleteRoomResponse,
  DisconnectReason,
  ListParticipantsRequest,
  ListParticipantsResponse,
  ListRoomsRequest,
  ListRoomsResponse,
  RemoveParticipantResponse,
  RoomParticipantIdentity,
  UpdateParticipantRequest,
} from '@livekit/protocol';
import type { ClaimGrants } from 'livekit-server-sdk';
import type { RoomRegistry } from './room-registry.js';

/** A Twirp error: `code` as in Twirp's spec, with its HTTP status. */
export class TwirpError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = 'TwirpError';
    this.code = code;
    this.status = status;
  }

  /** The JSON body Twirp clients read. */
  toJSON(): { code: string; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

/** The `/twirp/livekit.RoomService/` prefix this module serves. */
export const ROOM_SERVICE_PREFIX = '/twirp/livekit.RoomService/';

type Encoding = 'json' | 'protobuf';

/**
 * Answers the RoomService calls tests need, with livekit-server's grants: DeleteRoom
 * (`roomCreate`), ListParticipants, RemoveParticipant and UpdateParticipant (`roomAdmin` for that
 * room) and ListRooms (`roomList`). UpdateParticipant changes name, metadata and attributes (not
 * permissions) and tells every client that sees the participant, itself included.
 * Bodies are protobuf JSON or binary protobuf, answered in kind.
 *
 * @throws TwirpError bad_route for another method, malformed for an unreadable body,
 *   permission_denied for missing grants, not_found for an unknown room or participant,
 *   unimplemented for an UpdateParticipant that changes permissions
 */
export async function handleRoomServiceCall(options: {
  method: string;
  body: Buffer;
  encoding: Encoding;
  grants: ClaimGrants;
  rooms: RoomRegistry;
}): Promise<Uint8Array | string> {
  const { method, body, encoding, grants, rooms } = options;
  const video = grants.video ?? {};
  const requireAdmin = (room: string) => {
    if (!video.roomAdmin || (video.room && video.room !== room)) {
      throw new TwirpError('permission_denied', 403, `roomAdmin grant for room ${room} required`);
    }
  };
  const existingRoom = (name: string) => {
    const room = rooms.get(name);
    if (!room) throw new TwirpError('not_found', 404, 'requested room does not exist');
    return room;
  };
  switch (method) {
    case 'DeleteRoom': {
      const request = decode(DeleteRoomRequest, body, encoding);
      if (!video.roomCreate)
        throw new TwirpError('permission_denied', 403, 'roomCreate grant required');
      await rooms.get(request.room)?.delete();
      return encode(new DeleteRoomResponse(), encoding);
    }
    case 'ListParticipants': {
      const request = decode(ListParticipantsRequest, body, encoding);
      requireAdmin(request.room);
      const participants = existingRoom(request.room).participants.map((p) => p.info());
      return encode(new ListParticipantsResponse({ participants }), encoding);
    }
    case 'RemoveParticipant': {
      const request = decode(RoomParticipantIdentity, body, encoding);
      requireAdmin(request.room);
      const room = existingRoom(request.room);
      const session = room.participants.find((p) => p.identity === request.identity);
      if (!session) throw new TwirpError('not_found', 404, 'participant not found');
      await room.remove(session, DisconnectReason.PARTICIPANT_REMOVED);
      return encode(new RemoveParticipantResponse(), encoding);
    }
    case 'UpdateParticipant': {
      const request = decode(UpdateParticipantRequest, body, encoding);
      requireAdmin(request.room);
      if (request.permission) {
        throw new TwirpError('unimplemented', 501, 'the test SFU cannot change permissions');
      }
      const room = existingRoom(request.room);
      const session = room.participants.find((p) => p.identity === request.identity);
      if (!session) throw new TwirpError('not_found', 404, 'participant not found');
      const info = room.updateParticipant(session, {
        name: request.name,
        metadata: request.metadata,
        attributes: request.attributes,
      });
      return encode(info, encoding);
    }
    case 'ListRooms': {
      const request = decode(ListRoomsRequest, body, encoding);
      if (!video.roomList)
        throw new TwirpError('permission_denied', 403, 'roomList grant required');
      const wanted = new Set(request.names);
      const list = rooms.list().filter((r) => wanted.size === 0 || wanted.has(r.name));
      return encode(new ListRoomsResponse({ rooms: list.map((r) => r.info()) }), encoding);
    }
    default:
      throw new TwirpError('bad_route', 404, `RoomService method ${method} is not implemented`);
  }
}

interface MessageType<T extends Message<T>> {
  fromBinary(bytes: Uint8Array): T;
  fromJson(json: JsonValue, options?: { ignoreUnknownFields?: boolean }): T;
}

function decode<T extends Message<T>>(type: MessageType<T>, body: Buffer, encoding: Encoding): T {
  try {
    if (encoding === 'protobuf') return type.fromBinary(new Uint8Array(body));
    const text = body.toString('utf8');
    return type.fromJson(text ? (JSON.parse(text) as JsonValue) : {}, {
      ignoreUnknownFields: true,
    });
  } catch (err) {
    throw new TwirpError('malformed', 400, `unreadable request body: ${String(err)}`);
  }
}

function encode<T extends Message<T>>(message: T, encoding: Encoding): Uint8Array | string {
  return encoding === 'protobuf' ? message.toBinary() : message.toJsonString();
}

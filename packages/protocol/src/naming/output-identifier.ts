import type { RequestType } from '../request-types.js';
import type { NamingVars } from './naming-vars.js';

/**
 * The identifier at the start of generated names (egress-go-behavior.md §3): the room name for
 * room and track composite egress, `web` when there is no room, the participant identity for
 * participant egress, and the track ID for track egress (each falling back to the room rule while
 * not known).
 */
export function outputIdentifier(requestType: RequestType, vars: NamingVars): string {
  const roomOrWeb = vars.roomName === '' ? 'web' : vars.roomName;
  switch (requestType) {
    case 'participant':
      return vars.publisherIdentity ?? roomOrWeb;
    case 'track':
      return vars.trackId ?? roomOrWeb;
    case 'room-composite':
    case 'web':
    case 'track-composite':
      return roomOrWeb;
  }
}

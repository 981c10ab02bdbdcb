import type { LocalTrack } from '@livekit/rtc-node';

/**
 * Mutes or unmutes a local rtc-node track. rtc-node 1.1.0 has no public mute API, but its FFI
 * has `LocalTrackMuteRequest`: the Rust SDK then disables the track and sends the server a
 * MuteTrackRequest, as a muting client does.
 *
 * @throws Error when rtc-node's FFI client is not running (no room was connected yet)
 */
export function setLocalTrackMuted(track: LocalTrack, isMuted: boolean): void {
  const client = globalThis._ffiClientInstance;
  if (!client) throw new Error('setLocalTrackMuted: rtc-node is not initialized');
  client.request({
    message: {
      case: 'localTrackMute',
      value: { trackHandle: track.ffi_handle.handle, mute: isMuted },
    },
  });
}

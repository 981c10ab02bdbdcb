/** `{track_type}` values: the track kind as the Go SDK prints it. */
export type NamingTrackType = 'audio' | 'video';

/**
 * `{track_source}` values: `livekit.TrackSource` names in lower case, as Go fills them
 * (`strings.ToLower(pub.Source().String())`).
 */
export type NamingTrackSource =
  | 'unknown'
  | 'camera'
  | 'microphone'
  | 'screen_share'
  | 'screen_share_audio';

/**
 * What filename templates may refer to (egress-go-behavior.md §3). A field left `undefined` is not
 * known (yet), and its placeholder stays in the name as written, as in Go, where
 * `{publisher_identity}` and the track fields are only filled once the SDK source has subscribed.
 */
export interface NamingVars {
  /**
   * Room name; `''` when the egress has no room (web egress). Then `{room_name}` and `{room_id}`
   * stay unexpanded, as in Go.
   */
  roomName: string;
  /** Room SID (`RM_...`); may be `''` before the room is known. */
  roomId: string;
  /** Identity of the participant being recorded (participant, track composite, track egress). */
  publisherIdentity?: string;
  /** Track SID (`TR_...`) of a track egress. */
  trackId?: string;
  /** Kind of the track of a track egress. */
  trackType?: NamingTrackType;
  /** Source of the track of a track egress. */
  trackSource?: NamingTrackSource;
  /**
   * How many times this egress has been retried; `0` or `undefined` on the first attempt.
   * @defaultValue 0
   */
  retryCount?: number;
}

// `@egress/track-worker/testing`: what code outside this app (bench/) drives. Test code is not
// built (tsconfig.build.json), so this subpath points at the sources and loads under tsx only.

// The production code the track bench measures, reached through here so that bench/ imports
// this app by name.
export { runTrackEgress, type TrackEgressOutput } from '../track-egress.js';
export { CELL_GC_FLAGS } from '../video/young-gc.js';
export { probeVideoFile, type VideoFileProbe } from './probe-video-file.js';
export { type RecordSyncBotOptions, recordSyncBot } from './record-sync-bot.js';

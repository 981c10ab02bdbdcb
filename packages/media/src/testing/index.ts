export { type AvSync, type AvSyncBounds, avSyncProblems, measureAvSync } from './av-sync.js';
export {
  decodedVideoFrames,
  type MediaProbe,
  meanVolumeDb,
  parsePlaylist,
  probeMedia,
} from './probe-media.js';
export { skipWithoutPulse } from './pulse-skip.js';
export { type StreamReceiver, startStreamReceiver } from './stream-receiver.js';
export { TONE_PAGE } from './tone-page.js';

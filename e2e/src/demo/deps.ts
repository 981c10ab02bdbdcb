// The packages the demo and the end-to-end tests drive egress with, in one place.
// e2e/package.json does not list `@egress/test-sfu`, `livekit-server-sdk` and `@livekit/rtc-node`
// yet, so they are reached through the test SFU package, which depends on all three (the same
// copies: one `@livekit/protocol`). Once e2e lists them, these become plain package imports.

export type { Bot, BotOptions, TestSfu } from '../../test-sfu/dist/index.js';
export { startBot, startTestSfu } from '../../test-sfu/dist/index.js';
export { dispose as disposeRtcNode } from '../../test-sfu/node_modules/@livekit/rtc-node/dist/index.js';
export {
  EgressClient,
  EgressInfo,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptionsPreset,
  SegmentedFileOutput,
  SegmentedFileProtocol,
} from '../../test-sfu/node_modules/livekit-server-sdk/dist/index.js';

export { COUNTER_BITS, PatternRenderer, readFrameCounter } from './bots/pattern-renderer.js';
export type { Bot, BotKind, BotOptions, BotStep, BotTrack } from './bots/start-bot.js';
export { startBot } from './bots/start-bot.js';
export { SYNC_PULSE_MS, ToneGenerator } from './bots/tone-generator.js';
export type {
  ChromiumSubscriber,
  ChromiumSubscriberOptions,
} from './browser/chromium-subscriber.js';
export {
  CHROMIUM_PATH,
  hasChromium,
  openChromiumSubscriber,
} from './browser/chromium-subscriber.js';
export type { ChromiumSyncPublisher } from './browser/chromium-sync-publisher.js';
export { startChromiumSyncPublisher } from './browser/chromium-sync-publisher.js';
export type { BrowserSubscriberStats } from './browser/subscriber-page.js';
export type { TestSfuLogger } from './logger.js';
export type {
  AudioMeasurement,
  SubscribedTrack,
  TestTokenOptions,
  VideoMeasurement,
} from './rtc-node-probe.js';
export { createTestToken, measureAudio, measureVideo, RtcNodeProbe } from './rtc-node-probe.js';
export type { SyncMeasurement } from './sync-offsets.js';
export { measureSyncOffsets } from './sync-offsets.js';
export type { TestSfu, TestSfuOptions, TestSfuRooms } from './test-sfu.js';
export { startTestSfu } from './test-sfu.js';

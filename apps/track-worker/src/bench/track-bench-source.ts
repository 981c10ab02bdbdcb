/**
 * Child entry of the track bench (./track-bench.ts): the media source side, the test SFU and its
 * bots, in a process of its own, so that its event loop (werift forwards and encrypts every packet
 * in JavaScript) neither starves nor is starved by the bench, and its CPU is measured apart.
 * Started with IPC and env BENCH_API_KEY / BENCH_API_SECRET / BENCH_ROOM. Messages in:
 * `{ type: 'video', width, height, fps }` starts the pattern bot, `{ type: 'sender-stats' }` asks
 * what the video sender encodes, `{ type: 'stop' }` ends it. Messages out: `{ type: 'ready', url,
 * audioSid }`, `{ type: 'video', videoSid }`, `{ type: 'sender-stats', stats }`.
 */
import { type Bot, startBot, startTestSfu } from '@egress/test-sfu';
import { dispose } from '@livekit/rtc-node';

/** What libwebrtc's video sender reports (outbound-rtp), to show why a size was sent. */
export interface VideoSenderStats {
  width: number;
  height: number;
  fps: number;
  /** libwebrtc's current reason to send less than was captured: none, cpu, bandwidth, other. */
  limitation: string;
  /** Resolution changes libwebrtc made for that reason so far. */
  resolutionChanges: number;
  targetKbps: number;
}

// livekit.proto.QualityLimitationReason, which rtc-node does not export.
const LIMITATIONS = ['none', 'cpu', 'bandwidth', 'other'];
const apiKey = process.env.BENCH_API_KEY ?? '';
const apiSecret = process.env.BENCH_API_SECRET ?? '';
const room = process.env.BENCH_ROOM ?? 'bench';
const sfu = await startTestSfu({ apiKey, apiSecret });
const bots: Bot[] = [];
const audio = await startBot({
  url: sfu.url,
  apiKey,
  apiSecret,
  room,
  identity: 'tone',
  kind: 'audio',
});
bots.push(audio);
let video: Bot | undefined;

async function senderStats(): Promise<VideoSenderStats | undefined> {
  const stats = await video?.room.getRtcStats();
  for (const s of stats?.publisherStats ?? []) {
    if (s.stats.case !== 'outboundRtp' || s.stats.value.stream?.kind !== 'video') continue;
    const out = s.stats.value.outbound;
    return {
      width: out?.frameWidth ?? 0,
      height: out?.frameHeight ?? 0,
      fps: out?.framesPerSecond ?? 0,
      limitation: LIMITATIONS[out?.qualityLimitationReason ?? 0] ?? 'unknown',
      resolutionChanges: out?.qualityLimitationResolutionChanges ?? 0,
      targetKbps: (out?.targetBitrate ?? 0) / 1000,
    };
  }
  return undefined;
}

process.on(
  'message',
  async (m: { type: string; width?: number; height?: number; fps?: number }) => {
    if (m.type === 'video') {
      video ??= await startBot({
        url: sfu.url,
        apiKey,
        apiSecret,
        room,
        identity: 'pattern',
        kind: 'video',
        width: m.width ?? 1280,
        height: m.height ?? 720,
        fps: m.fps ?? 30,
      });
      bots.push(video);
      process.send?.({ type: 'video', videoSid: video.publications.video?.sid });
    } else if (m.type === 'sender-stats') {
      process.send?.({ type: 'sender-stats', stats: await senderStats() });
    } else if (m.type === 'stop') {
      for (const bot of bots) await bot.leave();
      await sfu.close();
      await dispose();
      process.disconnect();
    }
  },
);
process.send?.({ type: 'ready', url: sfu.url, audioSid: audio.publications.audio?.sid });

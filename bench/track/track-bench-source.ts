/**
 * Child entry of the track bench (./track-bench.ts): the media source side, the test SFU and its
 * bots, in a process of its own, so that its event loop (werift forwards and encrypts every packet
 * in JavaScript) neither starves nor is starved by the bench, and its CPU is measured apart.
 * Started with IPC, env BENCH_API_KEY / BENCH_API_SECRET / BENCH_ROOM and argv `[sfu url width
 * height fps]`: without arguments it runs the SFU and the tone bot, with them the pattern bot.
 * Messages in: `{ type: 'sender-stats' }` asks what the video sender encodes, `{ type: 'stop' }`
 * ends it. Messages out: `{ type: 'ready', url, trackSid }`, `{ type: 'sender-stats', stats }`.
 */
import { startBot, startTestSfu } from '@egress/test-sfu';
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
const [sfuUrl, width = '1280', height = '720', fps = '30'] = process.argv.slice(2);
// Without a URL: the SFU and the tone bot. With one: only the pattern bot, whose JS rendering
// (~13 ms per 720p frame) would otherwise delay the SFU's packet handling, which libwebrtc's
// bandwidth estimate reads as congestion.
const sfu = sfuUrl ? undefined : await startTestSfu({ apiKey, apiSecret });
const url = sfuUrl ?? sfu?.url ?? '';
const bot = await startBot({
  url,
  apiKey,
  apiSecret,
  room,
  ...(sfu
    ? { identity: 'tone', kind: 'audio' }
    : {
        identity: 'pattern',
        kind: 'video',
        width: Number(width),
        height: Number(height),
        fps: Number(fps),
      }),
});

async function senderStats(): Promise<VideoSenderStats | undefined> {
  const stats = await bot.room.getRtcStats();
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

process.on('message', async (m: { type: string }) => {
  if (m.type === 'sender-stats') {
    process.send?.({ type: 'sender-stats', stats: await senderStats() });
  } else if (m.type === 'stop') {
    await bot.leave();
    await sfu?.close();
    await dispose();
    process.disconnect();
  }
});
process.send?.({
  type: 'ready',
  url,
  trackSid: (bot.publications.audio ?? bot.publications.video)?.sid,
});

/**
 * Which clock places rtc-node's decoded audio and video in step? Joins a test SFU room with the
 * sync bot (beep + flash at the start of every second), subscribes both tracks and, for each
 * pulse, prints the beep's and the flash's latency after capture (the bot runs in this process,
 * so capture times are known) on the candidate clocks:
 * - audio `arrival`: when the frame reached JavaScript; `anchor`: earliest (arrival − k / 48 kHz);
 * - video `arrival`: as for audio; `render`: libwebrtc's render time (`timestampUs`);
 * and the receive delays the session stats report (jitter buffer delay per emitted sample/frame,
 * over the last second), to see whether they predict the audio/video difference.
 *
 *   scripts/netns-run node --import tsx bench/av-clock-probe.ts [runs] [seconds]
 */
import { randomUUID } from 'node:crypto';
import { createTestToken, startBot, startTestSfu } from '@egress/test-sfu';
import {
  AudioStream,
  dispose,
  type RemoteTrack,
  Room,
  RoomEvent,
  VideoBufferType,
  VideoStream,
} from '@livekit/rtc-node';

const apiKey = 'probe-key';
const apiSecret = 'probe-secret-probe-secret-probe-secret-0';
const runs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 8);
const hrMs = () => Number(process.hrtime.bigint()) / 1e6;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
};
// Latency of an event after the nearest whole second of the signal.
const latencyOf = (ms: number, startMs: number) =>
  ms - startMs - Math.round((ms - startMs - 150) / 1000) * 1000;

const sfu = await startTestSfu({ apiKey, apiSecret });
const rows: string[] = [];
for (let run = 1; run <= runs; run++) {
  const roomName = `probe-${randomUUID()}`;
  const bot = await startBot({
    url: sfu.url,
    apiKey,
    apiSecret,
    room: roomName,
    identity: 'sync',
    kind: 'audio-video',
    isSyncSignal: true,
  });
  const room = new Room();
  const tracks = new Map<string, RemoteTrack>();
  room.on(RoomEvent.TrackSubscribed, (track, pub) => tracks.set(pub.sid ?? '', track));
  await room.connect(
    sfu.url,
    await createTestToken({ apiKey, apiSecret, room: roomName, identity: 'probe' }),
    { autoSubscribe: false, dynacast: false },
  );
  const aSid = bot.publications.audio?.sid ?? '';
  const vSid = bot.publications.video?.sid ?? '';
  const asked = new Set<string>();
  while (!tracks.has(aSid) || !tracks.has(vSid)) {
    for (const p of room.remoteParticipants.values())
      for (const pub of p.trackPublications.values())
        if (pub.sid && !asked.has(pub.sid)) {
          asked.add(pub.sid);
          pub.setSubscribed(true);
        }
    await new Promise((r) => setTimeout(r, 50));
  }

  const startMs = bot.signalStartedAtMs + (hrMs() - performance.now());
  const endMs = hrMs() + seconds * 1000;

  const beepsArrival: number[] = [];
  const beepsAnchor: number[] = [];
  let anchor = Number.POSITIVE_INFINITY;
  const readAudio = async () => {
    const reader = new AudioStream(tracks.get(aSid) as RemoteTrack, {
      sampleRate: 48000,
      numChannels: 1,
      frameSizeMs: 20,
    }).getReader();
    let k = 0;
    let quiet = 0;
    const beepSamples: number[] = [];
    while (hrMs() < endMs) {
      const { value } = await reader.read();
      if (!value) break;
      const now = hrMs();
      anchor = Math.min(anchor, now - (k * 1000) / 48000);
      for (let i = 0; i < value.data.length; i++) {
        if (Math.abs(value.data[i] ?? 0) < 2000) quiet++;
        else {
          if (quiet > 48000 * 0.3) {
            beepSamples.push(k + i);
            beepsArrival.push(now);
          }
          quiet = 0;
        }
      }
      k += value.samplesPerChannel;
    }
    for (const s of beepSamples) beepsAnchor.push(anchor + (s * 1000) / 48000);
    await reader.cancel();
  };
  const flashesArrival: number[] = [];
  const flashesRender: number[] = [];
  const readVideo = async () => {
    const reader = new VideoStream(tracks.get(vSid) as RemoteTrack).getReader();
    let wasWhite = true;
    while (hrMs() < endMs) {
      const { value } = await reader.read();
      if (!value) break;
      const f =
        value.frame.type === VideoBufferType.I420
          ? value.frame
          : value.frame.convert(VideoBufferType.I420);
      let sum = 0;
      for (let i = 0; i < f.width * f.height; i += 13) sum += f.data[i] ?? 0;
      const isWhite = sum / ((f.width * f.height) / 13) > 200;
      if (isWhite && !wasWhite) {
        flashesArrival.push(hrMs());
        flashesRender.push(Number(value.timestampUs) / 1000);
      }
      wasWhite = isWhite;
    }
    await reader.cancel();
  };
  const statRows: string[] = [];
  const prev = new Map<string, { d: number; n: number }>();
  const poll = setInterval(() => {
    void room.getRtcStats().then((s) => {
      const parts: string[] = [];
      for (const st of s.subscriberStats) {
        if (st.stats.case !== 'inboundRtp') continue;
        const v = st.stats.value;
        const kind = v.stream?.kind ?? '?';
        const d = v.inbound?.jitterBufferDelay ?? 0;
        const n = Number(v.inbound?.jitterBufferEmittedCount ?? 0);
        const p = prev.get(kind);
        prev.set(kind, { d, n });
        const perItemMs = p && n > p.n ? ((d - p.d) / (n - p.n)) * 1000 : Number.NaN;
        const playout = v.inbound?.estimatedPlayoutTimestamp ?? 0;
        parts.push(
          `${kind}: jb ${perItemMs.toFixed(0)} ms target ${(((v.inbound?.jitterBufferTargetDelay ?? 0) / Math.max(1, n)) * 1000).toFixed(0)} playoutNtp ${playout.toFixed(0)}`,
        );
      }
      statRows.push(parts.join(' | '));
    });
  }, 1000);
  await Promise.all([readAudio(), readVideo()]);
  clearInterval(poll);
  const lat = (xs: number[]) => xs.map((x) => Math.round(latencyOf(x, startMs)));
  const aArr = lat(beepsArrival);
  const aAnc = lat(beepsAnchor);
  const vArr = lat(flashesArrival);
  const vRen = lat(flashesRender);
  rows.push(
    `run ${run}: audio arrival ${aArr.join(',')} | audio anchor ${aAnc.join(',')} | video arrival ${vArr.join(',')} | video render ${vRen.join(',')}`,
    `  median a-v: arrival/arrival ${median(aArr) - median(vArr)} ms, anchor/render ${median(aAnc) - median(vRen)} ms`,
    ...statRows.slice(-3).map((r) => `  stats ${r}`),
  );
  await room.disconnect();
  await bot.leave();
}
await sfu.close();
await dispose();
process.stdout.write(`${rows.join('\n')}\n`);

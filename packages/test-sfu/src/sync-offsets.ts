import {
  AudioStream,
  type RemoteTrack,
  VideoBufferType,
  type VideoFrame,
  VideoStream,
} from '@livekit/rtc-node';

/** What {@link measureSyncOffsets} found, times in ms on the subscriber's monotonic clock. */
export interface SyncMeasurement {
  /** When each beep started playing: the first loud sample after silence. */
  beepsMs: number[];
  /** When each flash was to be shown: the render time of the first white frame after others. */
  flashesMs: number[];
  /** For each flash with a beep within half a second: flash minus beep (positive: video late). */
  offsetsMs: number[];
  /** Video render time minus arrival, median: near 0 when both really share one clock. */
  renderLeadMs: number;
}

// The beep's peak is 8000 (tone-generator.ts); silence is 0 and Opus noise stays far below.
const LOUD_SAMPLE = 2000;
// A beep starts after this much quiet (the signal is quiet 900 ms of every second).
const QUIET_BEFORE_BEEP_MS = 300;
// A white frame averages ~235 in luma; the pattern stays below 130.
const WHITE_LUMA = 200;
const SAMPLE_RATE = 48000;

/**
 * Subscribes to the audio and video of a bot that sends the A/V sync signal (`isSyncSignal`)
 * for `durationMs` and times both halves of every pulse where a subscriber would present them.
 *
 * Video: libwebrtc stamps each decoded frame with its render time (`timestampUs`, CLOCK_MONOTONIC,
 * the same clock as `process.hrtime`), which its jitter buffer schedules from RTP timestamps.
 * Audio frames carry no timestamp, but rtc-node's audio device pulls 10 ms of playout at a time,
 * in real time, so sample `k` plays at `anchor + k / 48 kHz`; the anchor is the earliest
 * `arrival - k / 48 kHz` over all frames, which drops the lag of the JavaScript event loop.
 */
export async function measureSyncOffsets(
  audio: RemoteTrack,
  video: RemoteTrack,
  durationMs: number,
): Promise<SyncMeasurement> {
  const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
  const endMs = nowMs() + durationMs;
  const audioReader = new AudioStream(audio, {
    sampleRate: SAMPLE_RATE,
    numChannels: 1,
  }).getReader();
  const videoReader = new VideoStream(video).getReader();
  const stop = setTimeout(() => {
    void audioReader.cancel();
    void videoReader.cancel();
  }, durationMs + 5000);

  const beepSamples: number[] = [];
  let anchorMs = Number.POSITIVE_INFINITY;
  const readAudio = async () => {
    let sampleIndex = 0;
    let quietSamples = 0;
    while (nowMs() < endMs) {
      const { value, done } = await audioReader.read();
      if (done || !value) break;
      anchorMs = Math.min(anchorMs, nowMs() - (sampleIndex * 1000) / SAMPLE_RATE);
      for (const sample of value.data) {
        if (Math.abs(sample) < LOUD_SAMPLE) {
          quietSamples += 1;
        } else {
          if (quietSamples >= (QUIET_BEFORE_BEEP_MS * SAMPLE_RATE) / 1000) {
            beepSamples.push(sampleIndex);
          }
          quietSamples = 0;
        }
        sampleIndex += 1;
      }
    }
  };

  const flashesMs: number[] = [];
  const leadsMs: number[] = [];
  const readVideo = async () => {
    let wasWhite = true;
    while (nowMs() < endMs) {
      const { value, done } = await videoReader.read();
      if (done || !value) break;
      const renderMs = Number(value.timestampUs) / 1000;
      leadsMs.push(renderMs - nowMs());
      const isWhite = meanLuma(value.frame) > WHITE_LUMA;
      if (isWhite && !wasWhite) flashesMs.push(renderMs);
      wasWhite = isWhite;
    }
  };

  try {
    await Promise.all([readAudio(), readVideo()]);
  } finally {
    clearTimeout(stop);
    await Promise.all([audioReader.cancel(), videoReader.cancel()]);
  }
  const beepsMs = beepSamples.map((k) => anchorMs + (k * 1000) / SAMPLE_RATE);
  return {
    beepsMs,
    flashesMs,
    offsetsMs: pairOffsets(beepsMs, flashesMs),
    renderLeadMs: median(leadsMs),
  };
}

/** For each flash, minus the nearest beep, if one is within 500 ms (half the pulse period). */
export function pairOffsets(beepsMs: readonly number[], flashesMs: readonly number[]): number[] {
  const offsets: number[] = [];
  for (const flash of flashesMs) {
    let best: number | undefined;
    for (const beep of beepsMs) {
      if (best === undefined || Math.abs(flash - beep) < Math.abs(best)) best = flash - beep;
    }
    if (best !== undefined && Math.abs(best) < 500) offsets.push(best);
  }
  return offsets;
}

/** The middle value (the lower of the two middle ones); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

function meanLuma(frame: VideoFrame): number {
  const i420 = frame.type === VideoBufferType.I420 ? frame : frame.convert(VideoBufferType.I420);
  const pixels = i420.width * i420.height;
  const step = 7;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < pixels; i += step) {
    sum += i420.data[i] ?? 0;
    count += 1;
  }
  return count ? sum / count : 0;
}

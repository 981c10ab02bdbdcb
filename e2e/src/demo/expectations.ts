import type { OutputProbe } from './probe-output.js';

/** What a recording must look like; every field is optional. */
export interface OutputExpectation {
  videoCodec?: string;
  audioCodec?: string;
  width?: number;
  height?: number;
  /** Inclusive range of the average frame rate. */
  fps?: [number, number];
  /** Inclusive range of the duration, seconds. */
  durationSec?: [number, number];
  /** The audio's mean volume must be above this, dB. */
  minMeanVolumeDb?: number;
  sampleRate?: number;
  channels?: number;
}

/** Every way `probe` misses `want`, in words (empty when it matches). */
export function outputMismatches(probe: OutputProbe, want: OutputExpectation): string[] {
  const misses: string[] = [];
  const equal = <K extends keyof OutputProbe>(key: K, value: OutputProbe[K] | undefined) => {
    if (value !== undefined && probe[key] !== value) {
      misses.push(`${key} ${String(probe[key])}, want ${String(value)}`);
    }
  };
  equal('videoCodec', want.videoCodec);
  equal('audioCodec', want.audioCodec);
  equal('width', want.width);
  equal('height', want.height);
  equal('sampleRate', want.sampleRate);
  equal('channels', want.channels);
  const inRange = (name: string, value: number | undefined, range?: [number, number]) => {
    if (!range) return;
    if (value === undefined || value < range[0] || value > range[1]) {
      misses.push(`${name} ${value?.toFixed(2) ?? 'missing'}, want ${range[0]}–${range[1]}`);
    }
  };
  inRange('fps', probe.fps, want.fps);
  inRange('duration', probe.durationSec, want.durationSec);
  if (want.minMeanVolumeDb !== undefined) {
    const v = probe.meanVolumeDb;
    if (v === undefined || !(v > want.minMeanVolumeDb)) {
      misses.push(`mean volume ${v ?? 'missing'} dB, want above ${want.minMeanVolumeDb} dB`);
    }
  }
  return misses;
}

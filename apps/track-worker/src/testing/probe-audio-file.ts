import {
  ffmpegFilterLog,
  loggedStretches,
  probeFirstStream,
  type Stretch,
} from './probe-ffmpeg.js';

/** What {@link probeAudioFile} found in a recording. */
export interface AudioFileProbe {
  codec: string;
  sampleRate: number;
  channels: number;
  durationSec: number;
  /** ffmpeg volumedetect mean volume, dB. */
  meanVolumeDb: number;
  /** Silent stretches of at least 300 ms below -50 dB (ffmpeg silencedetect), seconds. */
  silences: Stretch[];
}

/** Reads codec, duration and mean volume of an audio file with ffprobe and ffmpeg. */
export async function probeAudioFile(path: string): Promise<AudioFileProbe> {
  const { stream, durationSec } = await probeFirstStream<{
    codec_name: string;
    sample_rate: string;
    channels: number;
  }>(path, ['codec_name', 'sample_rate', 'channels']);
  const log = await ffmpegFilterLog(path, ['-af', 'volumedetect,silencedetect=noise=-50dB:d=0.3']);
  const mean = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(log)?.[1];
  return {
    silences: loggedStretches(log, /silence_start: (-?[\d.]+)[\s\S]*?silence_end: ([\d.]+)/g),
    codec: stream?.codec_name ?? '',
    sampleRate: Number(stream?.sample_rate ?? 0),
    channels: stream?.channels ?? 0,
    durationSec,
    meanVolumeDb: mean === undefined || mean === '-inf' ? Number.NEGATIVE_INFINITY : Number(mean),
  };
}

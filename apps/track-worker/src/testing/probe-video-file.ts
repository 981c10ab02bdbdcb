import {
  ffmpegFilterLog,
  loggedStretches,
  probeFirstStream,
  type Stretch,
} from './probe-ffmpeg.js';

/** What {@link probeVideoFile} found in a recording. */
export interface VideoFileProbe {
  codec: string;
  width: number;
  height: number;
  durationSec: number;
  frames: number;
  /** Black stretches of at least 0.3 s (ffmpeg blackdetect), seconds. */
  blacks: Stretch[];
}

/** Reads codec, size, duration, frame count and black stretches of a video file. */
export async function probeVideoFile(path: string): Promise<VideoFileProbe> {
  const { stream, durationSec } = await probeFirstStream<{
    codec_name: string;
    width: number;
    height: number;
    nb_read_frames: string;
  }>(
    path,
    ['codec_name', 'width', 'height', 'nb_read_frames'],
    ['-count_frames', '-select_streams', 'v:0'],
  );
  const log = await ffmpegFilterLog(path, ['-vf', 'blackdetect=d=0.3:pix_th=0.1', '-an']);
  return {
    codec: stream?.codec_name ?? '',
    width: stream?.width ?? 0,
    height: stream?.height ?? 0,
    durationSec,
    frames: Number(stream?.nb_read_frames ?? 0),
    blacks: loggedStretches(log, /black_start:([\d.]+) black_end:([\d.]+)/g),
  };
}

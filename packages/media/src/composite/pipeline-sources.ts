import { EgressError, type EncodingSettings } from '@egress/protocol';
import { gstProp } from '../gst/gst-prop.js';
import { i420Size } from './i420-size.js';
import { chain, type Element, positiveInt, queue } from './pipeline-elements.js';

/**
 * Where the picture comes from: an X display (Xvfb + Chromium), raw frames on a file descriptor
 * (the track worker's decoded WebRTC frames) or a test pattern.
 */
export type VideoSourceSpec =
  | {
      kind: 'x11';
      /** X display name, e.g. `:99`. */
      display: string;
      /** Captured region in pixels, from the top-left corner; scaled to the encoding size. */
      width: number;
      height: number;
    }
  | {
      kind: 'fd';
      /**
       * Descriptor of the `gst-launch-1.0` child the frames arrive on (0 for its stdin): raw I420,
       * one whole frame after another, at the encoding's frame rate (each frame is stamped by
       * its index, so the writer keeps the rate, repeating or black frames over gaps).
       */
      fd: number;
      /** Size of the written frames in pixels; scaled to the encoding size. */
      width: number;
      height: number;
    }
  | {
      kind: 'test';
      /** `videotestsrc` pattern nick. @defaultValue 'ball' */
      pattern?: string;
    };

/**
 * Where the sound comes from: a PulseAudio monitor source, raw samples on a file descriptor (the
 * track worker's decoded WebRTC audio) or a test tone.
 */
export type AudioSourceSpec =
  | {
      kind: 'pulse';
      /** PulseAudio source, e.g. `egress.monitor`. */
      device: string;
    }
  | {
      kind: 'fd';
      /**
       * Descriptor of the `gst-launch-1.0` child the samples arrive on: S16LE, 48 kHz,
       * interleaved stereo, without gaps (silence written for them), stamped by sample count.
       */
      fd: number;
    }
  | {
      kind: 'test';
      /** Sine frequency. @defaultValue 440 */
      frequencyHz?: number;
    };

function fdNumber(fd: number): number {
  if (!Number.isInteger(fd) || fd < 0) {
    throw EgressError.invalidArgument(`a source fd must be a non-negative integer, got ${fd}`);
  }
  return fd;
}

/** The video branch up to raw I420 at the encoding's size and frame rate. */
export function videoSource(source: VideoSourceSpec, enc: EncodingSettings): string[] {
  const raw = `video/x-raw,format=I420,width=${enc.width},height=${enc.height},framerate=${enc.framerate}/1,pixel-aspect-ratio=1/1`;
  if (source.kind === 'test') {
    return chain(
      ['videotestsrc', 'is-live=true', gstProp('pattern', source.pattern ?? 'ball')],
      [raw],
    );
  }
  if (source.kind === 'fd') {
    // Not leaky: the writer already keeps the rate, and a dropped frame would shorten the file.
    // Reads of a whole frame: fdsrc's 4 KiB default makes ~340 buffers of every 720p frame.
    const width = positiveInt(source.width, 'video source width');
    const height = positiveInt(source.height, 'video source height');
    return chain(
      ['fdsrc', `fd=${fdNumber(source.fd)}`, `blocksize=${i420Size(width, height)}`],
      [
        'rawvideoparse',
        'use-sink-caps=false',
        'format=i420',
        `width=${width}`,
        `height=${height}`,
        `framerate=${enc.framerate}/1`,
      ],
      queue(false, { timeNs: 1_000_000_000 }),
      ['videoscale'],
      [raw],
    );
  }
  const width = positiveInt(source.width, 'video source width');
  const height = positiveInt(source.height, 'video source height');
  // Go: ximagesrc → queue → videoconvert → videorate → framerate caps (builder/video.go)
  return chain(
    [
      'ximagesrc',
      gstProp('display-name', source.display),
      'use-damage=false',
      'show-pointer=false',
      'startx=0',
      'starty=0',
      `endx=${width - 1}`,
      `endy=${height - 1}`,
    ],
    [`video/x-raw,framerate=${enc.framerate}/1`],
    queue(true, { buffers: 5 }),
    ['videoconvert'],
    ['videoscale'],
    ['videorate'],
    [raw],
  );
}

function audioCapture(source: AudioSourceSpec): Element[] {
  switch (source.kind) {
    case 'test':
      return [
        [
          'audiotestsrc',
          'is-live=true',
          'wave=sine',
          `freq=${source.frequencyHz ?? 440}`,
          'volume=0.5',
        ],
      ];
    case 'pulse':
      return [['pulsesrc', gstProp('device', source.device)]];
    case 'fd':
      return [
        ['fdsrc', `fd=${fdNumber(source.fd)}`],
        [
          'rawaudioparse',
          'use-sink-caps=false',
          'format=pcm',
          'pcm-format=s16le',
          'sample-rate=48000',
          'num-channels=2',
        ],
      ];
  }
}

/** The audio branch up to raw stereo at the rate the audio encoder takes. */
export function audioSource(source: AudioSourceSpec, enc: EncodingSettings): string[] {
  const rate = enc.audioCodec === 'opus' ? 48000 : enc.audioFrequencyHz;
  return chain(
    ...audioCapture(source),
    queue(false, { timeNs: 1_000_000_000 }),
    ['audioconvert'],
    ['audioresample'],
    [`audio/x-raw,rate=${rate},channels=2`],
  );
}

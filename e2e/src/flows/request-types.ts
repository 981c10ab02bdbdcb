import { join } from 'node:path';
import {
  type EgressInfo,
  EncodedFileType,
  EncodingOptions,
  FileOutput,
  Output,
  StartEgressRequest,
  TemplateSource,
} from 'livekit-server-sdk';
import type { StackBot } from '../demo/egress-stack.js';
import type { OutputExpectation } from '../demo/expectations.js';
import type { PcmReceiver } from '../demo/pcm-receiver.js';

// What the flow files running every request type (through the Twirp door and the psrpc door)
// share: the room's bots, the encoding, the pools' CPU costs and what each output must be.

/** Small composite encoding, so several Chromium egresses fit a loaded two-core machine. */
export const SMALL_ENCODING = new EncodingOptions({
  width: 640,
  height: 360,
  framerate: 30,
  videoBitrate: 1200,
  audioBitrate: 96,
  audioFrequency: 48_000,
});

/** Every composite output: H.264 and AAC at {@link SMALL_ENCODING}'s size, with a tone in it. */
export const COMPOSITE_MEDIA: OutputExpectation = {
  videoCodec: 'h264',
  audioCodec: 'aac',
  minMeanVolumeDb: -50,
  width: 640,
  height: 360,
};

/** A track egress's PCM over its WebSocket, as saved by {@link savedPcmOutput}. */
export const WEBSOCKET_PCM: OutputExpectation = {
  sampleRate: 48_000,
  channels: 2,
  minMeanVolumeDb: -50,
};

/** Two publishers: alice for room, track composite and one track egress, bob for the others. */
export const REQUEST_TYPE_BOTS: StackBot[] = [
  { identity: 'alice', kind: 'audio-video', toneHz: 440 },
  { identity: 'bob', kind: 'audio-video', toneHz: 660 },
];

/**
 * The stack's `cpu_cost` for every request type at once on two cores: one CPU per Chromium
 * egress, so two of the three run at once and the third waits in the queue for a free slot;
 * the four SDK egresses fit the track worker at once.
 */
export const REQUEST_TYPE_CPU_COST = `{ ${[
  'max_cpu_utilization: 1',
  'room_composite_cpu_cost: 1',
  'web_cpu_cost: 1',
  'participant_cpu_cost: 0.25',
  'track_composite_cpu_cost: 0.25',
  'track_cpu_cost: 0.25',
].join(', ')} }`;

/**
 * The v2 StartEgress of a room with a template source (`speaker-light`) at
 * {@link SMALL_ENCODING}, to one MP4 file at `filepath`.
 */
export function templateStartRequest(roomName: string, filepath: string): StartEgressRequest {
  return new StartEgressRequest({
    roomName,
    source: { case: 'template', value: new TemplateSource({ layout: 'speaker-light' }) },
    encoding: { case: 'advanced', value: SMALL_ENCODING },
    outputs: [
      new Output({
        config: {
          case: 'file',
          value: new FileOutput({ fileType: EncodedFileType.MP4, filepath }),
        },
      }),
    ],
  });
}

/** Where an ended file egress wrote its (first) file. */
export function fileLocation(ended: EgressInfo): Promise<string> {
  return Promise.resolve(ended.fileResults[0]?.location ?? '');
}

/**
 * Waits for the WebSocket track egress to close its connection to `pcm`, saves what it sent as
 * `<outputDir>/track.wav` and returns that path.
 */
export async function savedPcmOutput(pcm: PcmReceiver, outputDir: string): Promise<string> {
  const wav = join(outputDir, 'track.wav');
  await pcm.ended();
  await pcm.save(wav);
  return wav;
}

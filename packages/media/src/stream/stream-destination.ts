import { queue } from '../composite/pipeline-elements.js';
import { gstProp } from '../gst/gst-prop.js';

/** Where one destination process sends the encoded stream. */
export type StreamTarget =
  | {
      kind: 'rtmp' /** rtmp:// or rtmps:// URL (mux:// and twitch:// already expanded). */;
      url: string;
    }
  | { kind: 'srt' /** srt:// URL. */; url: string }
  /** Writes the received MPEG-TS to a file, as the server sends it: for tests and debugging. */
  | { kind: 'file'; path: string };

/** The tracks the encoder's stream carries (`CompositePipelinePlan.hasVideo` / `hasAudio`). */
export interface StreamTracks {
  hasVideo: boolean;
  hasAudio: boolean;
}

/** Options of {@link streamDestinationArgs}. */
export interface StreamDestinationOptions {
  /** Port of the encoder pipeline's `tcpserversink` (`StreamOutputSpec.port`). */
  port: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  target: StreamTarget;
  /** What the RTMP remux links; SRT and file targets pass the stream on whole. @defaultValue both */
  tracks?: StreamTracks;
}

/**
 * `gst-launch-1.0` arguments of one stream destination: read the MPEG-TS from the encoder's
 * loopback server and push it on. The server starts every connection with PAT and PMT and then
 * its latest keyframe (SPS and PPS in front), so a destination that joins late, is added by
 * UpdateStream or is retried starts decodable at once. SRT gets the packets as they are, seven
 * to an SRT message; RTMP remuxes them to FLV (`h264parse` drops anything before the first
 * SPS/PPS, a second guard). Each destination is its own process: one that fails or is removed
 * never touches the encoder or the other destinations (DESIGN.md, Media).
 */
export function streamDestinationArgs(options: StreamDestinationOptions): string[] {
  const source = [
    'tcpclientsrc',
    gstProp('host', options.host ?? '127.0.0.1'),
    `port=${options.port}`,
  ];
  const { target } = options;
  switch (target.kind) {
    case 'rtmp': {
      const { hasVideo, hasAudio } = options.tracks ?? { hasVideo: true, hasAudio: true };
      return [
        ...source,
        '!',
        'tsdemux',
        'name=demux',
        // Go: flvmux(streamable, skip-backwards-streams) and
        // rtmp2sink(async-connect=false, sync=false, async=false), builder/stream.go
        'flvmux',
        'name=mux',
        'streamable=true',
        'skip-backwards-streams=true',
        '!',
        'rtmp2sink',
        gstProp('location', target.url),
        'async-connect=false',
        'sync=false',
        'async=false',
        // the caps pick the demuxer's pad for each branch (its pads appear once the PMT is read)
        ...(hasVideo
          ? ['demux.', '!', 'video/x-h264', '!', ...queue(false), '!', 'h264parse', '!', 'mux.']
          : []),
        ...(hasAudio
          ? ['demux.', '!', 'audio/mpeg', '!', ...queue(false), '!', 'aacparse', '!', 'mux.']
          : []),
      ];
    }
    case 'srt':
      return [
        ...source,
        '!',
        'tsparse',
        'alignment=7',
        '!',
        ...queue(false),
        '!',
        'srtsink',
        gstProp('uri', target.url),
        'wait-for-connection=false',
        // a lost connection ends the process and `StreamOutputs` retries it: a new process starts
        // at a keyframe, where srtsink's own reconnect would resume mid-GOP
        'auto-reconnect=false',
        'sync=false',
      ];
    case 'file':
      return [...source, '!', 'filesink', gstProp('location', target.path), 'sync=false'];
  }
}

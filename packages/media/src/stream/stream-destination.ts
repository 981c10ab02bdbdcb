import { gstProp } from '../gst/gst-prop.js';

/** Where one destination process sends the encoded stream. */
export type StreamTarget =
  | {
      kind: 'rtmp' /** rtmp:// or rtmps:// URL (mux:// and twitch:// already expanded). */;
      url: string;
    }
  | { kind: 'srt' /** srt:// URL. */; url: string }
  /** Writes the received FLV or MPEG-TS to a file: for tests and debugging. */
  | { kind: 'file'; path: string };

/** Options of {@link streamDestinationArgs}. */
export interface StreamDestinationOptions {
  /** Port of the encoder pipeline's `tcpserversink` (`StreamOutputSpec.port`). */
  port: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  target: StreamTarget;
}

/**
 * `gst-launch-1.0` arguments of one stream destination: read the GDP-framed FLV or MPEG-TS from
 * the encoder's loopback server and push it on. GDP keeps buffer boundaries, flags and caps
 * (with the FLV stream header), so `rtmp2sink` gets exactly the tags `flvmux` made and a late
 * joiner still gets the header. Each destination is its own process: one that fails or is
 * removed never touches the encoder or the other destinations (DESIGN.md, Media).
 */
export function streamDestinationArgs(options: StreamDestinationOptions): string[] {
  const source = [
    'tcpclientsrc',
    gstProp('host', options.host ?? '127.0.0.1'),
    `port=${options.port}`,
    '!',
    'gdpdepay',
    '!',
    'queue',
    'max-size-time=3000000000',
    'max-size-buffers=0',
    'max-size-bytes=0',
    '!',
  ];
  const { target } = options;
  switch (target.kind) {
    case 'rtmp':
      // Go: rtmp2sink(async-connect=false, sync=false, async=false), builder/stream.go
      return [
        ...source,
        'rtmp2sink',
        gstProp('location', target.url),
        'async-connect=false',
        'sync=false',
        'async=false',
      ];
    case 'srt':
      return [
        ...source,
        'srtsink',
        gstProp('uri', target.url),
        'wait-for-connection=false',
        'sync=false',
      ];
    case 'file':
      return [...source, 'filesink', gstProp('location', target.path), 'sync=false'];
  }
}

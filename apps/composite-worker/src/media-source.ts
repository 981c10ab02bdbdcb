import {
  type PipelineSources,
  type PreparedWebSource,
  roomCompositeUrl,
  startWebSource,
  type WebSource,
  type WebSourceEnd,
} from '@egress/media';
import { type Config, EgressError, type Logger, type ValidatedEgress } from '@egress/protocol';
import { displayFor, fitsDisplay } from './display-size.js';

/** Which media source an egress child builds: the real browser capture, or GStreamer test sources. */
export const MEDIA_SOURCE_KINDS = ['web', 'test'] as const;
export type MediaSourceKind = (typeof MEDIA_SOURCE_KINDS)[number];

/** Why a media source ended (the web source's own type). */
export type MediaSourceEnd = WebSourceEnd;

/** A started media source: what the pipeline captures, and when the source ends by itself. */
export interface MediaSource {
  sources: PipelineSources;
  /**
   * Resolves when the recording may start (the web page's START_RECORDING); the runner goes
   * ACTIVE only after this and the pipeline's PLAYING. Rejects with an `EgressError` when the
   * source fails to start (`aborted` "Start signal not received", page load error).
   */
  started: Promise<void>;
  /** Resolves once, with why the source ended; never rejects. */
  ended: Promise<MediaSourceEnd>;
  /**
   * Process groups the source started outside the egress's own group (Chromium is launched
   * detached): their CPU counts toward the egress, and they are killed if the egress dies.
   */
  processGroups: number[];
  /**
   * Tells the page its new layout (room composite's UpdateLayout); absent for sources without a
   * page.
   */
  setLayout?(layout: string): Promise<void>;
  /** Releases the display, audio sink and browser. Idempotent. */
  close(): Promise<void>;
}

/** What a media source factory gets. */
export interface MediaSourceContext {
  egressId: string;
  egress: ValidatedEgress;
  config: Config;
  logger: Logger;
  /** Room token the request or the bridge brought; minted from the API key when absent. */
  token?: string;
  /** LiveKit URL from the job (the request's or the bridge's); empty falls back to `ws_url`. */
  wsUrl: string;
}

/** Starts the media source of one egress. */
export type MediaSourceFactory = (context: MediaSourceContext) => Promise<MediaSource>;

/**
 * Live GStreamer test sources (`videotestsrc` ball, 440 Hz sine) instead of a browser: for tests
 * and benchmarks of everything but the capture.
 */
export const testMediaSource: MediaSourceFactory = async ({ egress }) => {
  let close: (end: MediaSourceEnd) => void = () => {};
  const ended = new Promise<MediaSourceEnd>((resolve) => {
    close = resolve;
  });
  return {
    sources: {
      ...(egress.hasVideo ? { video: { kind: 'test' } } : {}),
      ...(egress.hasAudio ? { audio: { kind: 'test' } } : {}),
    },
    started: Promise.resolve(),
    ended,
    processGroups: [],
    close: async () => close({ reason: 'closed' }),
  };
};

/** Go waits for the start signal forever when no timeout is set; a day stands for that. */
const NO_START_TIMEOUT_MS = 24 * 3600 * 1000;

/**
 * Chromium on its own Xvfb display playing into its own PulseAudio null sink: the web egress's
 * URL, or for room composite the template (`custom_base_url`, else `template_base`) with
 * `?layout=&token=&url=`, the token minted as Go does when the job has none. With `prepared`
 * (a warm egress process's display, sink and browser) only the page loads; a prepared display
 * of another size is closed and a new one started.
 */
export function webMediaSource(prepared?: PreparedWebSource): MediaSourceFactory {
  return async (context) => {
    const { egressId, egress, config, logger } = context;
    const { source, encoding } = egress;
    let url: string;
    let awaitStartSignal: boolean;
    if (source.kind === 'template') {
      url = await roomCompositeUrl({
        baseUrl: source.customBaseUrl || config.templateBase,
        layout: source.layout,
        wsUrl: context.wsUrl || config.wsUrl,
        egressId,
        roomName: egress.roomName,
        apiKey: config.apiKey,
        apiSecret: config.apiSecret,
        ...(context.token ? { token: context.token } : {}),
      });
      awaitStartSignal = true;
    } else if (source.kind === 'web') {
      url = source.url;
      awaitStartSignal = source.awaitStartSignal;
    } else {
      throw EgressError.invalidArgument(
        `${egress.requestType} egress has no web page to record; send it to the track pool`,
      );
    }
    const page = {
      url,
      awaitStartSignal,
      isRoomPage: source.kind === 'template',
      startSignalTimeoutMs:
        config.startSignalTimeoutMs > 0 ? config.startSignalTimeoutMs : NO_START_TIMEOUT_MS,
      logger,
    };
    let web: WebSource;
    if (prepared && fitsDisplay(prepared.size, displayFor(egress))) {
      web = await prepared.load(page);
    } else {
      await prepared?.close();
      web = await startWebSource({
        ...page,
        egressId,
        width: encoding.width,
        height: encoding.height,
        depth: encoding.depth,
        chromeFlags: config.chromeFlags,
        insecure: config.insecure,
        enableSandbox: config.enableChromeSandbox,
      });
    }
    const chromium = web.processIds.chromium;
    return {
      sources: {
        ...(egress.hasVideo
          ? {
              video: {
                kind: 'x11',
                display: web.display,
                width: encoding.width,
                height: encoding.height,
              },
            }
          : {}),
        ...(egress.hasAudio ? { audio: { kind: 'pulse', device: web.pulseDevice } } : {}),
      },
      started: web.started,
      ended: web.ended,
      processGroups: chromium !== undefined ? [chromium] : [],
      setLayout: (layout) => web.setLayout(layout),
      close: () => web.close(),
    };
  };
}

/** The factory for a kind; `prepared` is a warm egress process's display, sink and browser. */
export function mediaSourceFactoryOf(
  kind: MediaSourceKind,
  prepared?: PreparedWebSource,
): MediaSourceFactory {
  return kind === 'test' ? testMediaSource : webMediaSource(prepared);
}

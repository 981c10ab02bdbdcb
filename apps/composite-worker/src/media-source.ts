import type { PipelineSources } from '@egress/media';
import { type Config, EgressError, type Logger, type ValidatedEgress } from '@egress/protocol';

/** Which media source an egress child builds: the real browser capture, or GStreamer test sources. */
export const MEDIA_SOURCE_KINDS = ['web', 'test'] as const;
export type MediaSourceKind = (typeof MEDIA_SOURCE_KINDS)[number];

/** A started media source: what the pipeline captures, and when the source ends by itself. */
export interface MediaSource {
  sources: PipelineSources;
  /**
   * Resolves when the recording may start (the web page's START_RECORDING); the runner goes
   * ACTIVE only after this and the pipeline's PLAYING. Rejects with an `EgressError` when the
   * source fails to start (page load error, start signal timeout).
   */
  started: Promise<void>;
  /** Resolves when the source ends on its own (END_RECORDING, page closed); never rejects. */
  ended: Promise<void>;
  /** Releases the display, audio sink and browser. Idempotent. */
  close(): Promise<void>;
}

/** What a media source factory gets. */
export interface MediaSourceContext {
  egressId: string;
  egress: ValidatedEgress;
  config: Config;
  logger: Logger;
  /** Room token for templates; absent for web egress. */
  token?: string;
  /** LiveKit URL for templates. */
  wsUrl: string;
}

/** Starts the media source of one egress. */
export type MediaSourceFactory = (context: MediaSourceContext) => Promise<MediaSource>;

/**
 * Live GStreamer test sources (`videotestsrc` ball, 440 Hz sine) instead of a browser: for tests
 * and benchmarks of everything but the capture.
 */
export const testMediaSource: MediaSourceFactory = async ({ egress }) => ({
  sources: {
    ...(egress.hasVideo ? { video: { kind: 'test' } } : {}),
    ...(egress.hasAudio ? { audio: { kind: 'test' } } : {}),
  },
  started: Promise.resolve(),
  ended: new Promise<void>(() => {}),
  close: async () => {},
});

/**
 * TODO(#5): the Chromium + Xvfb + PulseAudio capture (`startWebSource` from `@egress/media`,
 * being written in packages/media/src/web/) plugs in here once it is exported: display →
 * `{ kind: 'x11', display, width, height }`, pulse device → `{ kind: 'pulse', device }`,
 * `started` / `ended` / `close` passed through, the template URL built from `template_base`.
 */
export const webMediaSource: MediaSourceFactory = async () => {
  throw EgressError.unavailable(
    'web capture is not available in this build yet; composite egress can only use test sources',
  );
};

/** The factory for a kind. */
export function mediaSourceFactoryOf(kind: MediaSourceKind): MediaSourceFactory {
  return kind === 'test' ? testMediaSource : webMediaSource;
}

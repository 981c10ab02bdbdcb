import { AudioMixing } from '@livekit/protocol';
import { invalidField } from './encoding.js';
import { checkHttpUrl, checkText } from './request-fields.js';
import type { EgressSource } from './validated-egress.js';

/** A checked template or web source: what it records, and who records it. */
export interface PageSource<K extends 'template' | 'web'> {
  source: Extract<EgressSource, { kind: K }>;
  /** `web`: Chrome records the page; `sdk`: an audio-only template joins as a subscriber. */
  sourceKind: 'web' | 'sdk';
  hasAudio: boolean;
  hasVideo: boolean;
}

function checkAudioVideoFlags(audioOnly: boolean, videoOnly: boolean, prefix: string): void {
  if (audioOnly && videoOnly) {
    throw invalidField(
      `${prefix}audio_only and video_only`,
      'set at most one of audio_only and video_only',
    );
  }
}

/**
 * Checks the template fields a v1 `RoomCompositeEgressRequest` and a v2 `TemplateSource` share.
 * An audio-only template without layout or custom URL joins as SDK (Go's `ShouldUseSDKSource`).
 * The source mixes audio the default way; a v1 request sets its own `audio_mixing` after.
 *
 * @param prefix - what the request's field names start with: `''` (v1) or `source.template.` (v2)
 * @throws `invalid_argument` naming the field.
 */
export function checkTemplateSource(
  template: { layout?: unknown; customBaseUrl?: unknown; audioOnly?: boolean; videoOnly?: boolean },
  prefix: string,
): PageSource<'template'> {
  const layout = checkText(`${prefix}layout`, template.layout);
  const customBaseUrl = checkHttpUrl(`${prefix}custom_base_url`, template.customBaseUrl, false);
  const audioOnly = template.audioOnly === true;
  const videoOnly = template.videoOnly === true;
  checkAudioVideoFlags(audioOnly, videoOnly, prefix);
  const isSdk = audioOnly && layout === '' && customBaseUrl === '';
  return {
    source: {
      kind: 'template',
      layout,
      customBaseUrl,
      audioMixing: AudioMixing.DEFAULT_MIXING,
      awaitStartSignal: true,
    },
    sourceKind: isSdk ? 'sdk' : 'web',
    hasAudio: !videoOnly,
    hasVideo: !audioOnly,
  };
}

/**
 * Checks the web page fields a v1 `WebEgressRequest` and a v2 `WebSource` share.
 *
 * @param prefix - what the request's field names start with: `''` (v1) or `source.web.` (v2)
 * @throws `invalid_argument` naming the field.
 */
export function checkWebSource(
  web: { url?: unknown; audioOnly?: boolean; videoOnly?: boolean; awaitStartSignal?: boolean },
  prefix: string,
): PageSource<'web'> {
  const url = checkHttpUrl(`${prefix}url`, web.url, true);
  const audioOnly = web.audioOnly === true;
  const videoOnly = web.videoOnly === true;
  checkAudioVideoFlags(audioOnly, videoOnly, prefix);
  return {
    source: { kind: 'web', url, awaitStartSignal: web.awaitStartSignal === true },
    sourceKind: 'web',
    hasAudio: !videoOnly,
    hasVideo: !audioOnly,
  };
}

import { EgressSourceType } from '@livekit/protocol';
import type { EgressRequest } from '../request-types.js';

interface CompositeSource {
  audioOnly: boolean;
  layout: string;
  customBaseUrl: string;
}

// Go's config.ShouldUseSDKSource: an audio-only composite with no layout and no custom
// template records the room through the SDK instead of Chromium.
function compositeUsesSdk(source: CompositeSource): boolean {
  return source.audioOnly && source.layout === '' && source.customBaseUrl === '';
}

/**
 * Whether a request records through the LiveKit SDK rather than a Chromium page, as Go's
 * `config.IsSDKSourceRequest`: web is never SDK; a room composite (or v2 template) is SDK only
 * when audio-only with no layout and no custom base URL; everything else is SDK.
 */
export function isSdkSourceRequest(request: EgressRequest): boolean {
  switch (request.case) {
    case 'roomComposite':
      return compositeUsesSdk(request.value);
    case 'web':
      return false;
    case 'egress': {
      const source = request.value.source;
      if (source.case === 'web') return false;
      if (source.case === 'template') return compositeUsesSdk(source.value);
      return true;
    }
    default:
      return true;
  }
}

/** `EgressInfo.source_type` for a request, as Go sets it when building the pipeline config. */
export function egressSourceTypeOf(request: EgressRequest): EgressSourceType {
  return isSdkSourceRequest(request) ? EgressSourceType.SDK : EgressSourceType.WEB;
}

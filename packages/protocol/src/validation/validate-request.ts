import type { EgressRequest } from '../request-types.js';
import { invalidField } from './encoding.js';
import type { RequestValue } from './request-fields.js';
import {
  validateParticipant,
  validateRoomComposite,
  validateTrack,
  validateTrackComposite,
  validateWeb,
} from './v1-requests.js';
import { validateV2Request } from './v2-requests.js';
import type { ValidatedEgress } from './validated-egress.js';

/** Options for {@link validateRequest}. */
export interface ValidateRequestOptions {
  /**
   * How many times this egress was retried (`rpc.StartEgressRequest.retry_count`); from 1 on,
   * explicit file paths and segment prefixes must contain `{retry}`.
   * @defaultValue 0
   */
  retryCount?: number;
}

/**
 * Validates an egress request and plans its outputs: every rule of Go's `PipelineConfig.Update`
 * (pkg/config/pipeline.go, output*.go, encoding.go, urls.go; egress-go-behavior.md §3), with the
 * differences listed in ./README.md. File names are not computed here.
 *
 * @throws EgressError `invalid_argument` with a message naming the field and what to change;
 * `failed_precondition` when a retry would overwrite an explicit output path.
 */
export function validateRequest(
  request: EgressRequest,
  options: ValidateRequestOptions = {},
): ValidatedEgress {
  const retryCount = options.retryCount ?? 0;
  if (typeof request !== 'object' || request === null) {
    throw invalidField('request', 'send one of the egress request messages');
  }
  const { case: kind, value } = request as { case?: unknown; value?: unknown };
  if (typeof value !== 'object' || value === null) {
    throw invalidField('request', 'send one of the egress request messages');
  }
  switch (kind) {
    case 'roomComposite':
      return validateRoomComposite(value as RequestValue<'roomComposite'>, retryCount);
    case 'web':
      return validateWeb(value as RequestValue<'web'>, retryCount);
    case 'participant':
      return validateParticipant(value as RequestValue<'participant'>, retryCount);
    case 'trackComposite':
      return validateTrackComposite(value as RequestValue<'trackComposite'>, retryCount);
    case 'track':
      return validateTrack(value as RequestValue<'track'>, retryCount);
    case 'egress':
      return validateV2Request(value as RequestValue<'egress'>, retryCount);
    default:
      throw invalidField('request', 'send one of the egress request messages');
  }
}

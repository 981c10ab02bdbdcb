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

type Validator<C extends EgressRequest['case']> = (
  value: RequestValue<C>,
  retryCount: number,
) => ValidatedEgress;

/** The validator of each request case: the five v1 messages and the v2 `StartEgressRequest`. */
const VALIDATORS: { readonly [C in EgressRequest['case']]: Validator<C> } = {
  roomComposite: validateRoomComposite,
  web: validateWeb,
  participant: validateParticipant,
  trackComposite: validateTrackComposite,
  track: validateTrack,
  egress: validateV2Request,
};

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
  if (typeof kind !== 'string' || !Object.hasOwn(VALIDATORS, kind)) {
    throw invalidField('request', 'send one of the egress request messages');
  }
  // The table pairs each case with its own validator, so the value fits the one picked.
  const validate = VALIDATORS[kind as EgressRequest['case']] as (
    value: unknown,
    retryCount: number,
  ) => ValidatedEgress;
  return validate(value, retryCount);
}

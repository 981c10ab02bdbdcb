import { EgressError } from '../errors.js';

/** Go's text for an output that would overwrite the previous attempt's files on a retry. */
export const NON_RETRYABLE_OUTPUT_MESSAGE = 'output configuration does not support retry';

/**
 * The `failed_precondition` error Go returns (`ErrNonRetryableOutput`) when a retried egress names
 * its output explicitly without `{retry}`, so the retry would overwrite the first attempt. The
 * message is Go's; `details.fix` says what to change.
 *
 * @param field - the request field that needs `{retry}` (`filepath`, `filename_prefix`, ...)
 */
export function nonRetryableOutputError(field: string): EgressError {
  return new EgressError('failed_precondition', NON_RETRYABLE_OUTPUT_MESSAGE, {
    details: {
      field,
      fix: `include {retry} in ${field}, or leave it empty, so a retry does not overwrite the first attempt`,
    },
  });
}

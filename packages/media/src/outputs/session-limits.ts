import { stat } from 'node:fs/promises';
import type { Config } from '@egress/protocol';
import type { ResolvedOutputs } from './egress-outputs.js';

/** How often the file size is checked against `file_output_max_size`. */
const SIZE_CHECK_INTERVAL_MS = 1000;

/**
 * Watches the `session_limits` of a recording that just started: calls `onLimit` once the
 * shortest duration limit of its outputs has passed or the file reached its size limit (Go's
 * LIMIT_REACHED). Returns the function that stops watching.
 */
export function watchSessionLimits(options: {
  limits: Config['sessionLimits'];
  outputs: ResolvedOutputs;
  onLimit: () => void;
}): () => void {
  const { limits, outputs, onLimit } = options;
  const timers: NodeJS.Timeout[] = [];
  const durations = [
    outputs.file ? limits.fileOutputMaxDurationMs : 0,
    outputs.stream ? limits.streamOutputMaxDurationMs : 0,
    outputs.segments ? limits.segmentOutputMaxDurationMs : 0,
    outputs.images.length > 0 ? limits.imageOutputMaxDurationMs : 0,
  ].filter((ms) => ms > 0);
  if (durations.length > 0) timers.push(setTimeout(onLimit, Math.min(...durations)));
  const file = outputs.file;
  if (file && limits.fileOutputMaxSizeBytes > 0) {
    timers.push(
      setInterval(() => {
        stat(file.localPath).then(
          (s) => {
            if (s.size >= limits.fileOutputMaxSizeBytes) onLimit();
          },
          () => {},
        );
      }, SIZE_CHECK_INTERVAL_MS),
    );
  }
  return () => {
    for (const timer of timers) clearTimeout(timer);
  };
}

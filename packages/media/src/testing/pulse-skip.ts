/**
 * The `skip` of tests that need the PulseAudio daemon `scripts/test` starts: `false` when it runs
 * (`PULSE_RUNTIME_PATH` is set), else the reason.
 *
 * @throws under CI (`CI` set) when the daemon is missing: there the tests must run, not skip.
 */
export function skipWithoutPulse(): string | false {
  if (process.env.PULSE_RUNTIME_PATH) return false;
  const reason = 'needs the PulseAudio daemon scripts/test starts (PULSE_RUNTIME_PATH)';
  if (process.env.CI) throw new Error(`PULSE_RUNTIME_PATH must be set under CI: ${reason}`);
  return reason;
}

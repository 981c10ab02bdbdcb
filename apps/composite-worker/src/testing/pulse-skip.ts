/**
 * The `skip` of tests that need the PulseAudio daemon scripts/test starts: false when it runs
 * (PULSE_RUNTIME_PATH) or in CI, where its absence must fail the test rather than skip it.
 */
export const PULSE_SKIP: string | false =
  process.env.PULSE_RUNTIME_PATH || process.env.CI === 'true'
    ? false
    : 'needs the PulseAudio daemon scripts/test starts (PULSE_RUNTIME_PATH)';

import { skipWithoutPulse } from '@egress/media/testing';

/**
 * The `skip` of tests that need the PulseAudio daemon scripts/test starts: false when it runs
 * (PULSE_RUNTIME_PATH); in CI its absence throws, failing the test file rather than skipping it.
 */
export const PULSE_SKIP: string | false = skipWithoutPulse();

import { EgressError } from '../errors.js';
import type { Config } from './config-schema.js';

/** Startup requirements a service can ask {@link assertServiceConfig} to check. */
export type ServiceConfigNeed = 'redis' | 'apiKeys' | 'wsUrl';

/** Options of {@link assertServiceConfig}. */
export interface AssertServiceConfigOptions {
  /** What this service cannot start without. */
  needs: readonly ServiceConfigNeed[];
}

/**
 * Checks the startup requirements `loadConfig` leaves out (so tests can load partial configs):
 * a configured Redis (Go refuses to start without one), and the API key pair and LiveKit URL the
 * Go service reads from config or env.
 *
 * @throws EgressError `invalid_argument` naming every missing key (and its env fallback)
 */
export function assertServiceConfig(config: Config, options: AssertServiceConfigOptions): void {
  const problems: string[] = [];
  const needs = new Set(options.needs);
  if (needs.has('redis')) {
    const redis = config.redis;
    const isConfigured =
      redis !== undefined &&
      (redis.address !== '' ||
        redis.sentinelAddresses.length > 0 ||
        redis.clusterAddresses.length > 0);
    if (!isConfigured) {
      problems.push(
        'redis.address: required (or redis.sentinel_addresses or redis.cluster_addresses)',
      );
    } else if (redis.sentinelAddresses.length > 0 && redis.sentinelMasterName === '') {
      problems.push('redis.sentinel_master_name: required with redis.sentinel_addresses');
    }
  }
  if (needs.has('apiKeys')) {
    if (config.apiKey === '') problems.push('api_key: required (or env LIVEKIT_API_KEY)');
    if (config.apiSecret === '') problems.push('api_secret: required (or env LIVEKIT_API_SECRET)');
  }
  if (needs.has('wsUrl') && config.wsUrl === '') {
    problems.push('ws_url: required (or env LIVEKIT_WS_URL)');
  }
  if (problems.length > 0) throw EgressError.invalidArgument(problems.join('; '));
}

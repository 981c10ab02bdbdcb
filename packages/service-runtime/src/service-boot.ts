import {
  assertServiceConfig,
  type Config,
  EgressError,
  type Logger,
  loadConfig,
  type ServiceConfigNeed,
} from '@egress/protocol';
import type { Cluster, Redis } from 'ioredis';
import { type HealthServer, startHealthServer } from './health-server.js';
import {
  connectRedis,
  createRedis,
  logRedisLostAndBack,
  type RedisRole,
} from './redis-connection.js';

/**
 * Loads and checks a service's config; a bad config prints its message (no stack) and exits 1
 * before anything connects (CONVENTIONS §12).
 */
export function loadServiceConfigOrExit(
  env: Readonly<Record<string, string | undefined>>,
  needs: readonly ServiceConfigNeed[],
  proc: Pick<NodeJS.Process, 'exit' | 'stderr'> = process,
): Config {
  try {
    const config = loadConfig(env);
    assertServiceConfig(config, { needs });
    return config;
  } catch (err) {
    const message = err instanceof EgressError ? err.message : 'could not load the config';
    proc.stderr.write(`config error: ${message}\n`);
    return proc.exit(1);
  }
}

export interface StartServiceBaseOptions {
  config: Config;
  logger: Logger;
  /** `producer` for request paths (fail fast), `worker` for consumers (wait for Redis). */
  redisRole: RedisRole;
  /** Extra fields for the health report (pool state, queue depth...). */
  healthFields?: () => Promise<Record<string, unknown>>;
}

/** What every service holds: its Redis connection and its health endpoint. */
export interface ServiceBase {
  redis: Redis | Cluster;
  /** `undefined` when `health_port` is 0. */
  health: HealthServer | undefined;
  close: () => Promise<void>;
}

/**
 * Connects the service's Redis and serves `/health` on `health_port` (when set), reporting
 * whether Redis answers. Closing is idempotent: health first, then Redis.
 */
export async function startServiceBase(options: StartServiceBaseOptions): Promise<ServiceBase> {
  const { config, logger } = options;
  if (!config.redis) throw EgressError.invalidArgument('redis.address: required');
  const redis = createRedis(config.redis, options.redisRole);
  logRedisLostAndBack(redis, logger, 'service');
  await connectRedis(redis, config.redis);
  const health =
    config.healthPort > 0
      ? await startHealthServer({
          port: config.healthPort,
          logger,
          report: async () => {
            const isRedisUp = await redis.ping().then(
              (pong) => pong === 'PONG',
              () => false,
            );
            const extra = options.healthFields ? await options.healthFields() : {};
            return { isHealthy: isRedisUp, redis: isRedisUp ? 'up' : 'down', ...extra };
          },
        })
      : undefined;
  let closing: Promise<void> | undefined;
  return {
    redis,
    health,
    close: () => {
      closing ??= (async () => {
        await health?.close();
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}

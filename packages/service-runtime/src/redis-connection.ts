import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { EgressError, type Logger, type RedisConfig } from '@egress/protocol';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * How a connection behaves when Redis is away: a `producer` (request paths) fails fast so a
 * caller gets an error instead of hanging; a `worker` (BullMQ workers, subscribers) waits and
 * reconnects for as long as it takes (CONVENTIONS §12).
 */
export type RedisRole = 'producer' | 'worker';

function hostPort(address: string, key: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const hasPort = at >= 0 && !address.endsWith(']');
  const host = hasPort ? address.slice(0, at) : address;
  const port = hasPort ? Number(address.slice(at + 1)) : 6379;
  if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw EgressError.invalidArgument(`${key}: expected host:port`);
  }
  return { host: host.replace(/^\[(.*)\]$/, '$1'), port };
}

function tlsOptions(config: RedisConfig): ConnectionOptions | undefined {
  const tls = config.tls;
  if (tls?.enabled) {
    return {
      rejectUnauthorized: !tls.insecure,
      ...(tls.serverName ? { servername: tls.serverName } : {}),
      ...(tls.caCertFile ? { ca: readFileSync(tls.caCertFile) } : {}),
      ...(tls.clientCertFile ? { cert: readFileSync(tls.clientCertFile) } : {}),
      ...(tls.clientKeyFile ? { key: readFileSync(tls.clientKeyFile) } : {}),
    };
  }
  return config.useTls ? {} : undefined;
}

/**
 * ioredis options for the `redis` config block (single node or sentinel), per role. BullMQ
 * needs `maxRetriesPerRequest: null` on worker connections.
 */
export function redisOptionsOf(config: RedisConfig, role: RedisRole): RedisOptions {
  const tls = tlsOptions(config);
  const common: RedisOptions = {
    db: config.db,
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
    ...(tls ? { tls } : {}),
    ...(config.dialTimeoutMs > 0 ? { connectTimeout: config.dialTimeoutMs } : {}),
    lazyConnect: true,
    ...(role === 'producer'
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false }
      : { maxRetriesPerRequest: null }),
  };
  if (config.sentinelAddresses.length > 0) {
    return {
      ...common,
      name: config.sentinelMasterName,
      sentinels: config.sentinelAddresses.map((a) => hostPort(a, 'redis.sentinel_addresses')),
      ...(config.sentinelUsername ? { sentinelUsername: config.sentinelUsername } : {}),
      ...(config.sentinelPassword ? { sentinelPassword: config.sentinelPassword } : {}),
    };
  }
  return { ...common, ...hostPort(config.address, 'redis.address') };
}

/**
 * A Redis client for the `redis` config block: a Cluster when `cluster_addresses` is set, else a
 * single node or sentinel connection. It connects lazily, on first use or `connect()`.
 */
export function createRedis(config: RedisConfig, role: RedisRole): Redis | Cluster {
  if (config.clusterAddresses.length > 0) {
    const { db: _db, ...redisOptions } = redisOptionsOf(
      { ...config, address: config.clusterAddresses[0] ?? '' },
      role,
    );
    return new Cluster(
      config.clusterAddresses.map((a) => hostPort(a, 'redis.cluster_addresses')),
      { redisOptions, maxRedirections: config.maxRedirects, lazyConnect: true },
    );
  }
  return new Redis(redisOptionsOf(config, role));
}

/**
 * Connects a client from {@link createRedis} and checks that `redis.db` exists: ioredis reports
 * a failed SELECT only as an `error` event and goes on in database 0, which would mix this
 * service's queues and state with whatever else lives there.
 * @throws invalid_argument when the server has no such database; the connection's own error
 *   when Redis cannot be reached.
 */
export async function connectRedis(redis: Redis | Cluster, config: RedisConfig): Promise<void> {
  await redis.connect();
  if (redis instanceof Cluster || config.db === 0) return;
  try {
    await redis.select(config.db);
  } catch (err) {
    redis.disconnect();
    if (err instanceof Error && /out of range|invalid DB index/i.test(err.message)) {
      throw EgressError.invalidArgument(
        'redis.db: this Redis server has no such database (see its `databases` setting)',
      );
    }
    throw err;
  }
}

/**
 * Logs a connection's state changes, not its retries (ioredis reconnects every few hundred
 * milliseconds and emits an error each time): one warning when it is lost, one line when back.
 */
export function logRedisLostAndBack(redis: Redis | Cluster, log: Logger, name: string): void {
  let isLost = false;
  redis.on('error', (err: unknown) => {
    if (isLost) return;
    isLost = true;
    log.warn({ err, connection: name }, 'redis connection lost');
  });
  redis.on('ready', () => {
    if (isLost) log.info({ connection: name }, 'redis connection back');
    isLost = false;
  });
}

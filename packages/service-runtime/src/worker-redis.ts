import type { Logger, RedisConfig } from '@egress/protocol';
import type { Cluster, Redis } from 'ioredis';
import { createRedis, logRedisLostAndBack } from './redis-connection.js';

/** The Redis connections of a pool worker (see {@link createWorkerRedis}). */
export interface WorkerRedis {
  /** BullMQ's own; it connects when the worker starts. */
  connection: Redis | Cluster;
  /** Subscribed to the control channels of the running egresses. */
  subscriber: Redis | Cluster;
  /** Replies, capacity reports and every other command. */
  commands: Redis | Cluster;
}

/**
 * Opens a pool worker's three `worker`-role connections (a subscribed connection can send no
 * other command); each logs once when it is lost and once when it is back, as they reconnect on
 * their own.
 */
export async function createWorkerRedis(config: RedisConfig, log: Logger): Promise<WorkerRedis> {
  const redis: WorkerRedis = {
    connection: createRedis(config, 'worker'),
    subscriber: createRedis(config, 'worker'),
    commands: createRedis(config, 'worker'),
  };
  for (const [name, r] of Object.entries(redis)) logRedisLostAndBack(r, log, name);
  try {
    await Promise.all([redis.subscriber.connect(), redis.commands.connect()]);
  } catch (err) {
    // Nothing is kept half open: a worker connection would retry for ever.
    for (const r of Object.values(redis)) r.disconnect();
    throw err;
  }
  return redis;
}

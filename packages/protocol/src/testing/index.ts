export { type StartTestRedisOptions, startTestRedis, type TestRedis } from './start-test-redis.js';

export { mutate, prng, randomBytes } from './fuzz.js';
export { type StartTestRedisOptions, startTestRedis, type TestRedis } from './start-test-redis.js';

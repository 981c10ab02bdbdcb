export {
  type CapacityPublisher,
  type CapacityPublisherOptions,
  startCapacityPublisher,
} from './admission/capacity-publisher.js';
export { CpuAdmission, type CpuAdmissionOptions } from './admission/cpu-admission.js';
export {
  type GatedJob,
  type GatedWorker,
  JOB_DEADLINE_MESSAGE,
  JOB_STALLED_MESSAGE,
  JobGate,
  type JobGateOptions,
  type JobGateVerdict,
  type PoolWorkerOptions,
  poolWorkerOptions,
} from './admission/job-gate.js';
export {
  type LeaderUsage,
  type ProcessSelection,
  ProcessUsage,
  type ProcessUsageOptions,
  type ProcStat,
  readProcStat,
  TICKS_PER_SEC,
  type UsageSample,
} from './admission/process-usage.js';
export { type CloseStep, CloseSteps } from './close-steps.js';
export { findFreePort, findFreePorts } from './free-ports.js';
export {
  type HealthReport,
  type HealthServer,
  type StartHealthServerOptions,
  startHealthServer,
} from './health-server.js';
export { loaderExecArgv } from './loader-exec-argv.js';
export {
  type AdmittedEgress,
  defaultWorkerId,
  WorkerShell,
  type WorkerShellOptions,
} from './pool-worker/worker-shell.js';
export { isProcessAlive } from './process-alive.js';
export { connectRedis, createRedis, type RedisRole, redisOptionsOf } from './redis-connection.js';
export {
  loadServiceConfigOrExit,
  type ServiceBase,
  type StartServiceBaseOptions,
  startServiceBase,
} from './service-boot.js';
export { type HandleShutdownOptions, handleShutdown } from './shutdown.js';
export { createWorkerRedis, type WorkerRedis } from './worker-redis.js';

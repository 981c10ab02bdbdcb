import { TestWorker, type TestWorkerOptions } from './test-worker.js';

// Entry of a test worker in its own process, so a test can SIGKILL it like a crashed worker.
// Its options come as JSON in argv[2]; it prints "ready" once it takes jobs.
const options = JSON.parse(process.argv[2] ?? '{}') as TestWorkerOptions;
const worker = new TestWorker(options);
await worker.start();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void worker.close().finally(() => process.exit(0));
});

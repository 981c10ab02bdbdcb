/**
 * Child entry of young-gc.test.ts: copies 300 Y planes of a 720p frame through rtc-node's native
 * buffer copy (the copy every decoded frame goes through), keeping only the latest, and prints
 * the GCs seen as JSON: `{ "minor": N, "major": N, "bytes": N }`. argv: `nudge` to report each
 * copy to noteFrameBytes, anything else to leave V8 alone.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep, setImmediate as yieldToLoop } from 'node:timers/promises';
import { VideoBufferType, VideoFrame } from '@livekit/rtc-node';
import { noteFrameBytes } from '../video/young-gc.js';

const shouldNudge = process.argv[2] === 'nudge';
const source = new VideoFrame(new Uint8Array(1280 * 720 * 1.5), 1280, 720, VideoBufferType.I420);
const counts = { minor: 0, major: 0, bytes: 0 };
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.minor += 1;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.major += 1;
  }
});
observer.observe({ entryTypes: ['gc'] });
await sleep(100);
counts.minor = 0;
counts.major = 0;
let latest: Uint8Array | undefined;
for (let i = 0; i < 300; i += 1) {
  latest = source.getPlane(0) ?? undefined;
  counts.bytes += latest?.byteLength ?? 0;
  if (shouldNudge && latest) noteFrameBytes(latest.byteLength);
  if (i % 10 === 0) await yieldToLoop();
}
await sleep(100);
process.stdout.write(`${JSON.stringify(counts)}\n`);
// rtc-node's FFI runtime keeps the process alive
process.exit(0);

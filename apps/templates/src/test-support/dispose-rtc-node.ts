import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Calls `@livekit/rtc-node`'s `dispose()` so a test process with bots can exit. rtc-node is a
 * dependency of `@egress/test-sfu`, not of this app, so it is loaded from beside the test SFU.
 */
export async function disposeRtcNode(): Promise<void> {
  const sfuEntry = fileURLToPath(import.meta.resolve('@egress/test-sfu'));
  const rtcNodeEntry = createRequire(sfuEntry).resolve('@livekit/rtc-node');
  const rtcNode: unknown = await import(pathToFileURL(rtcNodeEntry.replace(/\.cjs$/, '.js')).href);
  const dispose = (rtcNode as { dispose?: unknown }).dispose;
  if (typeof dispose === 'function') await (dispose as () => Promise<void>)();
}

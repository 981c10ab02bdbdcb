import type { RTCPeerConnection } from 'werift';

/**
 * Resolves when `pc` has gathered all its candidates (or after `limitMs`), so the SFU can send
 * SDP with every candidate inline instead of trickling its own.
 */
export async function waitForIceGathering(pc: RTCPeerConnection, limitMs = 3000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, limitMs);
    const subscription = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') done();
    });
    function done(): void {
      clearTimeout(timer);
      subscription.unSubscribe();
      resolve();
    }
  });
}

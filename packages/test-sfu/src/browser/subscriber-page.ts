import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

/** Counters the subscriber page keeps in `window.lkStats`. */
export interface BrowserSubscriberStats {
  /** `connected`, or `failed: <message>` */
  state: string;
  /** Room events in order, as `<Event> <identity> [kind] [mime]`. */
  events: string[];
  /** Frames decoded by video elements (requestVideoFrameCallback), over all video tracks. */
  videoFrames: number;
  videoWidth: number;
  videoHeight: number;
  /** Mean absolute sample value (0..1) of the latest audio window; a 440 Hz tone of peak A gives 2A/π. */
  audioLevel: number;
}

// Runs in the browser: livekit-client's UMD build is the global `LivekitClient`.
const PAGE_SCRIPT = `
window.lkStats = { state: 'new', events: [], videoFrames: 0, videoWidth: 0, videoHeight: 0, audioLevel: 0 };
window.lkConnect = async (url, token) => {
  const { Room, RoomEvent, Track } = LivekitClient;
  const stats = window.lkStats;
  const room = new Room({ adaptiveStream: false, dynacast: false });
  window.lkRoom = room;
  const kind = (pub) => (pub.kind === Track.Kind.Audio ? 'audio' : 'video');
  room.on(RoomEvent.ParticipantConnected, (p) => stats.events.push('ParticipantConnected ' + p.identity));
  room.on(RoomEvent.ParticipantDisconnected, (p) => stats.events.push('ParticipantDisconnected ' + p.identity));
  room.on(RoomEvent.TrackUnsubscribed, (_t, pub, p) => stats.events.push('TrackUnsubscribed ' + p.identity + ' ' + kind(pub)));
  room.on(RoomEvent.TrackMuted, (pub, p) => stats.events.push('TrackMuted ' + p.identity + ' ' + kind(pub)));
  room.on(RoomEvent.Disconnected, (reason) => stats.events.push('Disconnected ' + reason));
  room.on(RoomEvent.TrackSubscribed, (track, pub, p) => {
    stats.events.push('TrackSubscribed ' + p.identity + ' ' + kind(pub) + ' ' + (pub.mimeType || ''));
    const el = track.attach();
    el.muted = track.kind === Track.Kind.Video;
    document.body.appendChild(el);
    if (track.kind === Track.Kind.Video) {
      const onFrame = (_now, meta) => {
        stats.videoFrames += 1;
        stats.videoWidth = meta.width;
        stats.videoHeight = meta.height;
        el.requestVideoFrameCallback(onFrame);
      };
      el.requestVideoFrameCallback(onFrame);
    } else {
      const ctx = new AudioContext();
      const source = ctx.createMediaStreamSource(new MediaStream([track.mediaStreamTrack]));
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 2048;
      source.connect(analyser);
      const buf = new Float32Array(analyser.fftSize);
      setInterval(() => {
        analyser.getFloatTimeDomainData(buf);
        let sum = 0;
        for (const v of buf) sum += Math.abs(v);
        stats.audioLevel = sum / buf.length;
      }, 100);
    }
  });
  window.lkSetVideoQuality = (quality) => {
    for (const p of room.remoteParticipants.values()) {
      for (const pub of p.videoTrackPublications.values()) pub.setVideoQuality(quality);
    }
  };
  try {
    await room.connect(url, token, { autoSubscribe: true });
    stats.state = 'connected';
  } catch (err) {
    stats.state = 'failed: ' + (err && err.message ? err.message : String(err));
  }
};
`;

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>test-sfu subscriber</title></head>
<body><script src="/livekit-client.umd.js"></script><script>${PAGE_SCRIPT}</script></body></html>`;

/** A local HTTP server for the subscriber page. */
export interface SubscriberPageServer {
  /** The page's URL (`http://127.0.0.1:<port>/`). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves a page that loads livekit-client's UMD build from node_modules and exposes
 * `window.lkConnect(url, token)`, `window.lkStats` ({@link BrowserSubscriberStats}) and
 * `window.lkSetVideoQuality(quality)` (livekit-client's VideoQuality number, for every video).
 */
export async function startSubscriberPageServer(): Promise<SubscriberPageServer> {
  const umdPath = createRequire(import.meta.url).resolve('livekit-client');
  const umd = await readFile(umdPath);
  const server = createServer((req, res) => {
    if (req.url === '/livekit-client.umd.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(umd);
    } else if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE_HTML);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

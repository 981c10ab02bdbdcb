import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The colour the page fills itself with for each layout it was told, as RGB. */
export const LAYOUT_COLORS = {
  grid: [200, 0, 0],
  speaker: [0, 0, 200],
  /** Without a layout (a web egress). */
  none: [0, 160, 0],
} as const satisfies Record<string, readonly [number, number, number]>;

/**
 * One page for web egress and for a room composite's custom template: it fills the window with
 * the colour of its layout (`?layout=`, then each `egress:layout` event the worker dispatches on
 * UpdateLayout), moves a white bar so the video changes, plays a 440 Hz tone, and logs
 * START_RECORDING once drawn.
 */
const PAGE = `<!doctype html><html><body style="margin:0;overflow:hidden">
<div id="bar" style="position:absolute;top:0;width:8vw;height:100vh;background:#fff"></div>
<script>
const colors = ${JSON.stringify(LAYOUT_COLORS)};
function paint(layout) {
  const [r, g, b] = colors[layout] || colors.none;
  document.body.style.background = 'rgb(' + r + ',' + g + ',' + b + ')';
}
paint(new URLSearchParams(location.search).get('layout'));
addEventListener('egress:layout', (e) => paint(e.detail));
const bar = document.getElementById('bar');
(function move(t) {
  bar.style.left = ((t / 20) % 92) + 'vw';
  requestAnimationFrame(move);
})(0);
const ctx = new AudioContext();
const osc = ctx.createOscillator();
const gain = ctx.createGain();
osc.frequency.value = 440; gain.gain.value = 0.3;
osc.connect(gain).connect(ctx.destination); osc.start();
setTimeout(() => console.log('START_RECORDING'), 300);
</script></body></html>`;

/** A running {@link startLayoutPageServer}. */
export interface LayoutPageServer {
  /** `http://127.0.0.1:<port>/page`: a web egress URL or a room composite's custom base URL. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the layout page on 127.0.0.1 (any path answers it). */
export async function startLayoutPageServer(): Promise<LayoutPageServer> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(PAGE);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/page`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

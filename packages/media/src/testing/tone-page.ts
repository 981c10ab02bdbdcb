/**
 * A test page with moving circles and a 440 Hz WebAudio tone: START_RECORDING after 500 ms
 * (none with `?silent`), END_RECORDING after `?end=<ms>`.
 */
export const TONE_PAGE = `<!doctype html><html><body style="margin:0;background:#000">
<canvas id="c" style="display:block;width:100vw;height:100vh"></canvas>
<script>
const c = document.getElementById('c');
c.width = innerWidth; c.height = innerHeight;
const g = c.getContext('2d');
function draw(t) {
  g.fillStyle = '#123'; g.fillRect(0, 0, c.width, c.height);
  for (let i = 0; i < 10; i++) {
    g.fillStyle = 'hsl(' + (i * 36) + ',80%,60%)';
    g.beginPath();
    g.arc((t / 5 + i * 40) % c.width, c.height / 2 + Math.sin(t / 300 + i) * 60, 15, 0, 7);
    g.fill();
  }
  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);
const ctx = new AudioContext();
const osc = ctx.createOscillator();
const gain = ctx.createGain();
osc.frequency.value = 440; gain.gain.value = 0.3;
osc.connect(gain).connect(ctx.destination); osc.start();
const params = new URLSearchParams(location.search);
if (!params.has('silent')) setTimeout(() => console.log('START_RECORDING'), 500);
if (params.has('end')) setTimeout(() => console.log('END_RECORDING'), Number(params.get('end')));
</script></body></html>`;

/** A test page with moving circles and a 440 Hz tone that signals START_RECORDING after 500 ms. */
export const ANIMATED_PAGE = `<!doctype html><html><body style="margin:0;background:#000">
<canvas id="c" style="display:block;width:100vw;height:100vh"></canvas>
<script>
const c = document.getElementById('c');
c.width = innerWidth; c.height = innerHeight;
const g = c.getContext('2d');
function draw(t) {
  g.fillStyle = '#123'; g.fillRect(0, 0, c.width, c.height);
  for (let i = 0; i < 20; i++) {
    g.fillStyle = 'hsl(' + (i * 18) + ',80%,60%)';
    g.beginPath();
    g.arc((t / 5 + i * 40) % c.width, c.height / 2 + Math.sin(t / 300 + i) * 100, 20, 0, 7);
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
setTimeout(() => console.log('START_RECORDING'), 500);
</script></body></html>`;

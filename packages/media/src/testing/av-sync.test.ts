import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { flashOnsetsSec, measureAvSync } from './av-sync.js';

const run = promisify(execFile);
const FPS = 30;

/** Frames at {@link FPS} of a white share that is `base(t)`, plus `flash` while `isFlash(t)`. */
function frames(
  seconds: number,
  base: (t: number) => number,
  flash: number,
  isFlash: (t: number) => boolean,
): Array<[number, number]> {
  return Array.from({ length: seconds * FPS }, (_, i) => {
    const t = i / FPS;
    return [t, base(t) + (isFlash(t) ? flash : 0)];
  });
}

const firstTenthOfEverySecond = (t: number) => t % 1 < 0.1 - 1e-9;

describe('flashOnsetsSec', () => {
  it('finds a small tile flashing every second while larger parts of the frame change and stay', () => {
    // A 3 % tile flashes; a 6 % white strip comes and goes for a second, half a second off the
    // flashes (a layout moving another tile).
    const strip = (t: number) => (t % 2 >= 0.5 && t % 2 < 1.5 ? 0.06 : 0) + 0.01;
    const onsets = flashOnsetsSec(frames(10, strip, 0.03, firstTenthOfEverySecond));
    assert.deepEqual(
      onsets.map((t) => Math.round(t * FPS)),
      Array.from({ length: 10 }, (_, i) => i * FPS),
    );
  });

  it('counts a flash the video stalls on for a third of a second', () => {
    const stalled = (t: number) => firstTenthOfEverySecond(t) || (t >= 4 && t < 4.37);
    const onsets = flashOnsetsSec(frames(8, () => 0.01, 0.5, stalled));
    assert.equal(onsets.length, 8);
  });

  it('finds nothing in a picture without flashes', () => {
    const wobble = (t: number) => 0.02 + 0.002 * Math.sin(t * 7);
    assert.deepEqual(flashOnsetsSec(frames(6, wobble, 0, () => false)), []);
  });
});

describe('measureAvSync', () => {
  let dir = '';
  let clip = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'av-sync-'));
    clip = join(dir, 'synth.mp4');
    // A dark picture where a 40×40 white tile flashes for 100 ms each second, a grey box and
    // a white strip come and go half a second off the flashes (what a speaker layout does), and
    // a 1 kHz beep starts 50 ms after each flash.
    const video = [
      `color=c=0x202020:s=320x180:r=${FPS}:d=8`,
      "drawbox=x=0:y=60:w=320:h=60:color=0x909090:t=fill:enable='between(mod(t\\,4)\\,1.5\\,3.49)'",
      "drawbox=x=0:y=0:w=320:h=12:color=white:t=fill:enable='between(mod(t\\,2)\\,0.5\\,1.49)'",
      "drawbox=x=260:y=130:w=40:h=40:color=white:t=fill:enable='lt(mod(t\\,1)\\,0.1)'",
    ].join(',');
    const audio =
      "aevalsrc=exprs='if(between(mod(t\\,1)\\,0.05\\,0.15)\\,0.5*sin(2*PI*1000*t)\\,0)':s=48000:d=8";
    await run('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', video, '-f', 'lavfi', '-i', audio],
      ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip],
    ]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('decodes every beep and flash of a clip and their 50 ms offset', async () => {
    const sync = await measureAvSync(clip);
    assert.deepEqual(
      sync.videoOnsetsSec.map((t) => Math.round(t * FPS)),
      Array.from({ length: 8 }, (_, i) => i * FPS),
    );
    assert.equal(sync.audioOnsetsSec.length, 8);
    for (const offset of sync.pairOffsetsSec)
      assert.ok(Math.abs(offset - 0.05) < 0.01, `${offset}`);
    for (const gap of sync.beepGapsSec) assert.ok(Math.abs(gap - 1) < 0.005, `${gap}`);
  });
});

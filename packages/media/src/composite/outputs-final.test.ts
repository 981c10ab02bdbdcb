import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DEFAULT_ENCODING } from '@egress/protocol';
import {
  isMp4Finalized,
  isOggFinished,
  isPlaylistEnded,
  outputsFinalCheck,
} from './outputs-final.js';

// Real GStreamer files: finished ones from a pipeline that reached EOS, unfinished ones from a
// live pipeline killed mid-way (as a crash leaves them).
const run = promisify(execFile);
const MP4_TAIL = ['avenc_aac', '!', 'aacparse', '!', 'mp4mux', 'fragment-duration=500'];
const OGG_TAIL = ['opusenc', '!', 'oggmux'];

async function finishedFile(path: string, muxer: string[]): Promise<void> {
  await run('gst-launch-1.0', [
    '-q',
    'audiotestsrc',
    'num-buffers=150',
    '!',
    ...muxer,
    '!',
    'filesink',
    `location=${path}`,
  ]);
}

/** A live pipeline writing `path`, SIGKILLed once the file holds more than its header. */
async function killedFile(path: string, muxer: string[]): Promise<void> {
  const child = spawn('gst-launch-1.0', [
    'audiotestsrc',
    'is-live=true',
    '!',
    ...muxer,
    '!',
    'filesink',
    `location=${path}`,
    'buffer-mode=unbuffered',
  ]);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (let i = 0; i < 100; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    if (size > 8_000) break;
  }
  child.kill('SIGKILL');
  await exited;
}

let root: string;

describe('output finality', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'outputs-final-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('sees the mfra index of a finished fragmented MP4, not a killed or cut one', async () => {
    const done = join(root, 'done.mp4');
    const killed = join(root, 'killed.mp4');
    await finishedFile(done, MP4_TAIL);
    await killedFile(killed, MP4_TAIL);
    assert.equal(await isMp4Finalized(done), true);
    assert.equal(await isMp4Finalized(killed), false);
    assert.equal(await isMp4Finalized(join(root, 'missing.mp4')), false);
    const cut = join(root, 'cut.mp4');
    await writeFile(cut, await readFile(done));
    await truncate(cut, (await stat(cut)).size - 1);
    assert.equal(await isMp4Finalized(cut), false);
  });

  it('sees the last page of a finished Ogg file, not of a killed one', async () => {
    const done = join(root, 'done.ogg');
    const killed = join(root, 'killed.ogg');
    await finishedFile(done, OGG_TAIL);
    await killedFile(killed, OGG_TAIL);
    assert.equal(await isOggFinished(done), true);
    assert.equal(await isOggFinished(killed), false);
    assert.equal(await isOggFinished(join(root, 'missing.ogg')), false);
  });

  it('sees the end of an HLS playlist', async () => {
    const playlist = join(root, 'index.m3u8');
    assert.equal(await isPlaylistEnded(playlist), false, 'missing');
    await writeFile(playlist, '#EXTM3U\n#EXTINF:4,\nr_00000.ts\n');
    assert.equal(await isPlaylistEnded(playlist), false);
    await writeFile(playlist, '#EXTM3U\n#EXTINF:4,\nr_00000.ts\n#EXT-X-ENDLIST\n');
    assert.equal(await isPlaylistEnded(playlist), true);
  });

  it('checks plans with HLS whose file shows its end, and no other plan', async () => {
    const hlsDir = join(root, 'hls');
    await mkdir(hlsDir);
    const segments = {
      localDir: hlsDir,
      segmentPattern: 'r_%05d.ts',
      playlistName: 'index.m3u8',
      segmentDurationSec: 4,
    };
    const encoding = DEFAULT_ENCODING;
    const mp4 = { fileType: 'mp4' as const, localPath: join(root, 'plan.mp4') };
    assert.equal(outputsFinalCheck({ encoding, file: mp4 }), undefined, 'no HLS');
    assert.equal(
      outputsFinalCheck({ encoding, segments, file: { ...mp4, fileType: 'mp3' } }),
      undefined,
      'mp3 shows no end',
    );
    const check = outputsFinalCheck({ encoding, segments, file: mp4 });
    assert.ok(check);
    await killedFile(mp4.localPath, MP4_TAIL);
    await writeFile(join(hlsDir, 'index.m3u8'), '#EXTM3U\n#EXT-X-ENDLIST\n');
    assert.equal(await check(), false, 'playlist ended, mp4 not finalized');
    await finishedFile(mp4.localPath, MP4_TAIL);
    assert.equal(await check(), true);
    await writeFile(join(hlsDir, 'index.m3u8'), '#EXTM3U\n');
    assert.equal(await check(), false, 'mp4 finalized, playlist open');
    const hlsOnly = outputsFinalCheck({ encoding, segments });
    assert.equal(await hlsOnly?.(), false);
  });
});

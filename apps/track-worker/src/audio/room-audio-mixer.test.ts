import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoomAudioMixer } from './room-audio-mixer.js';

// 20 ms of 48 kHz stereo holding one value in every sample.
function frame(value: number, ms = 20): Int16Array {
  return new Int16Array(48 * ms * 2).fill(value);
}

function samples(buffer: Buffer): Int16Array {
  const copy = Buffer.from(buffer);
  return new Int16Array(copy.buffer, copy.byteOffset, copy.byteLength / 2);
}

const opts = { latencyMs: 100, maxGapMs: 60, maxAheadMs: 40 };

describe('RoomAudioMixer', () => {
  it('sums two tracks sample by sample', () => {
    const mixer = new RoomAudioMixer(0, opts);
    mixer.addTrack('a');
    mixer.addTrack('b');
    for (let t = 20; t <= 200; t += 20) {
      mixer.push('a', t, frame(1000));
      mixer.push('b', t, frame(-300));
    }
    const out = samples(mixer.mix(200));
    assert.equal(out.length, 100 * 48 * 2);
    assert.ok(out.every((v) => v === 700));
  });

  it('saturates instead of wrapping around', () => {
    const mixer = new RoomAudioMixer(0, opts);
    mixer.addTrack('a');
    mixer.addTrack('b');
    mixer.push('a', 20, frame(30_000));
    mixer.push('b', 20, frame(30_000));
    mixer.push('a', 40, frame(-30_000));
    mixer.push('b', 40, frame(-30_000));
    const out = samples(mixer.mix(40, true));
    assert.equal(out[0], 32767);
    assert.equal(out.at(-1), -32768);
  });

  it('keeps real time with no track at all: silence as long as the clock ran', () => {
    const mixer = new RoomAudioMixer(1000, opts);
    const first = mixer.mix(1500);
    const last = mixer.mix(2000, true);
    assert.equal((first.length + last.length) / 4, 48 * 1000);
    assert.ok(samples(Buffer.concat([first, last])).every((v) => v === 0));
    assert.equal(mixer.mixedMs, 1000);
  });

  it('places a track that joins late at its arrival time', () => {
    const mixer = new RoomAudioMixer(0, opts);
    mixer.addTrack('late');
    mixer.push('late', 520, frame(500));
    const out = samples(mixer.mix(600, true));
    assert.equal(out[500 * 48 * 2 - 1], 0, 'silence before the track arrived');
    assert.equal(out[500 * 48 * 2], 500);
    assert.equal(out[520 * 48 * 2 - 1], 500);
    assert.equal(out[520 * 48 * 2], 0, 'silence after its only frame');
  });

  it('lays jittered frames end to end and leaves a long gap silent', () => {
    const mixer = new RoomAudioMixer(0, opts);
    mixer.addTrack('a');
    // a burst: three frames arrive at once, 40 ms late for the first
    mixer.push('a', 60, frame(1));
    mixer.push('a', 60, frame(2));
    mixer.push('a', 60, frame(3));
    // then a 200 ms gap (mute), longer than maxGapMs
    mixer.push('a', 300, frame(4));
    const out = samples(mixer.mix(320, true));
    const at = (ms: number) => out[ms * 48 * 2];
    assert.equal(at(40), 1);
    assert.equal(at(60), 2);
    assert.equal(at(80), 3);
    assert.equal(at(150), 0);
    assert.equal(at(290), 4);
  });

  it('drops frames that would run ahead of the clock', () => {
    const mixer = new RoomAudioMixer(0, opts);
    mixer.addTrack('a');
    for (let i = 0; i < 10; i++) mixer.push('a', 20, frame(i + 1));
    const out = samples(mixer.mix(200, true));
    // frames 1..3 fit (up to 40 ms ahead); the rest of the burst is dropped
    assert.equal(out[0], 1);
    assert.equal(out[60 * 48 * 2 - 1], 3);
    assert.equal(out[60 * 48 * 2], 0);
  });

  it('puts a track downmixed to mono into one channel when asked', () => {
    const mixer = new RoomAudioMixer(0, opts);
    mixer.addTrack('agent', 'left');
    mixer.addTrack('caller', 'right');
    const stereo = new Int16Array(48 * 20 * 2);
    for (let i = 0; i < stereo.length; i += 2) {
      stereo[i] = 1000;
      stereo[i + 1] = 3000;
    }
    mixer.push('agent', 20, stereo);
    mixer.push('caller', 20, frame(-500));
    const out = samples(mixer.mix(20, true));
    assert.deepEqual([out[0], out[1]], [2000, -500]);
    assert.deepEqual([out.at(-2), out.at(-1)], [2000, -500]);
  });

  it('refuses one channel for mono output', () => {
    const mixer = new RoomAudioMixer(0, { channels: 1 });
    assert.throws(() => mixer.addTrack('a', 'left'), /needs stereo output/);
  });

  it('forgets a removed track and ignores frames of unknown tracks', () => {
    const mixer = new RoomAudioMixer(0, opts);
    mixer.addTrack('a');
    mixer.push('a', 20, frame(9));
    mixer.push('ghost', 20, frame(9));
    mixer.removeTrack('a');
    assert.deepEqual(mixer.trackIds, []);
    assert.ok(samples(mixer.mix(100, true)).every((v) => v === 0));
  });
});

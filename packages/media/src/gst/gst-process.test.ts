import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, EgressError } from '@egress/protocol';
import { GstProcess, type GstProcessOptions, redactGstLine } from './gst-process.js';

const logger = createLogger({ service: 'media-test', level: process.env.LOG_LEVEL ?? 'silent' });

describe('redactGstLine', () => {
  const cases = [
    {
      name: 'redacts the key of an rtmp URL',
      input: 'ERROR: could not connect to rtmp://example.com/live/sk_abcdef123456 (refused)',
      want: /rtmp:\/\/example\.com\/live\/\{sk_\.\.\.456\} \(refused\)/,
    },
    {
      name: 'redacts the query of an srt URL',
      input: 'srtsink uri=srt://host:9000?streamid=secretvalue&passphrase=hunter22',
      want: /^(?!.*secretvalue)(?!.*hunter22).*srt:\/\/host:9000/,
    },
    {
      name: 'leaves lines without URLs alone',
      input: 'Setting pipeline to PLAYING ...',
      want: /^Setting pipeline to PLAYING \.\.\.$/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.match(redactGstLine(c.input), c.want);
    });
  }
});

describe('GstProcess', () => {
  it('reaches PLAYING, stops with one SIGINT and reports a clean EOS', async () => {
    const gst = GstProcess.start({
      args: ['audiotestsrc', 'is-live=true', '!', 'fakesink', 'sync=true'],
      logger,
    });
    await gst.whenPlaying();
    const exit = await gst.stop();
    assert.equal(exit.code, 0);
    assert.equal(exit.isCleanEos, true);
    assert.equal(exit.isFrozen, false);
    assert.equal(await gst.stop(), exit, 'stop is idempotent');
  });

  it('rejects whenPlaying with the parse error when an element is missing', async () => {
    const gst = GstProcess.start({ args: ['nosuchelement', '!', 'fakesink'], logger });
    await assert.rejects(
      gst.whenPlaying(),
      (err) => err instanceof EgressError && /no element "nosuchelement"/.test(err.message),
    );
    const exit = await gst.exited;
    assert.notEqual(exit.code, 0);
    assert.equal(exit.isCleanEos, false);
  });

  it('keeps the stream key out of a failure message', async () => {
    // nothing listens on port 1: rtmp2sink fails with "Connection refused" and names the URL
    const gst = GstProcess.start({
      args: [
        'videotestsrc',
        'is-live=true',
        '!',
        'x264enc',
        '!',
        'flvmux',
        '!',
        'rtmp2sink',
        'location=rtmp://127.0.0.1:1/live/streamkey_abcdefgh',
        'async-connect=false',
      ],
      logger,
    });
    const exit = await gst.exited;
    const message = GstProcess.failure(exit).message;
    assert.notEqual(exit.code, 0);
    assert.match(message, /Connection refused|Could not connect/);
    assert.doesNotMatch(message, /streamkey_abcdefgh/);
    assert.ok(exit.tail.every((l) => !l.includes('streamkey_abcdefgh')));
  });

  /**
   * A stand-in for a gst-launch that hangs after PLAYING, like one frozen for good or one whose
   * pipeline lost its EOS message (GStreamer 1.22's splitmuxsink: every output complete, no exit;
   * the real race hits a few runs in a hundred and cannot be triggered on demand). sh ignores
   * SIGINT, and exec keeps it ignored in sleep; `printed` adds an output line first.
   */
  const startHung = (options: Omit<GstProcessOptions, 'args' | 'logger'>, printed = '') =>
    GstProcess.start({
      gstLaunchPath: '/bin/sh',
      args: [
        '-c',
        `trap '' INT; echo 'Got message #1 from element "pipeline0" (state-changed): x, new-state=(GstState)playing'; ${printed ? `echo '${printed}'; ` : ''}exec sleep 30`,
      ],
      logger,
      ...options,
    });

  it('SIGKILLs a process that ignores SIGINT after the deadline and calls it frozen', async () => {
    const gst = startHung({ stopDeadlineMs: 300 });
    await gst.whenPlaying();
    const exit = await gst.stop();
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.isFrozen, true);
    assert.match(GstProcess.failure(exit).message, /pipeline frozen/);
  });

  it('ends a pipeline that lost its EOS once every output stays finished, as a clean exit', async () => {
    let polls = 0;
    const gst = startHung({
      stopDeadlineMs: 20_000,
      lostEosGraceMs: 300,
      outputsFinal: async () => {
        polls += 1;
        return polls > 2;
      },
    });
    await gst.whenPlaying();
    const exit = await gst.stop();
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.isEosLost, true);
    assert.equal(exit.isCleanEos, true);
    // killed by the lost-EOS check, not by the stop deadline (that kill sets isFrozen)
    assert.equal(exit.isFrozen, false);
    assert.ok(polls >= 4, `finished outputs seen for the grace period (${polls} polls)`);
  });

  it('does not call a pipeline that reported an error clean, whatever its outputs', async () => {
    const gst = startHung(
      { stopDeadlineMs: 20_000, lostEosGraceMs: 200, outputsFinal: async () => true },
      'ERROR: from element /GstPipeline:pipeline0/GstTcpServerSink:sink: broken',
    );
    await gst.whenPlaying();
    const exit = await gst.stop();
    assert.equal(exit.isEosLost, true);
    assert.equal(exit.isCleanEos, false);
    assert.match(GstProcess.failure(exit).message, /broken/);
  });

  it('still calls a pipeline frozen when its outputs never finish', async () => {
    const gst = startHung({
      stopDeadlineMs: 1_000,
      lostEosGraceMs: 100,
      outputsFinal: async () => false,
    });
    await gst.whenPlaying();
    const exit = await gst.stop();
    assert.equal(exit.isFrozen, true);
    assert.equal(exit.isEosLost, false);
    assert.equal(exit.isCleanEos, false);
  });

  it('ends the input pipes and waits for the pipeline to finish', async () => {
    const gst = GstProcess.start({
      args: ['fdsrc', 'fd=3', '!', 'fakesink'],
      logger,
      inputFds: [3],
    });
    gst.input(3)?.write(Buffer.alloc(4096));
    const exit = await gst.endInputs();
    assert.equal(exit.isCleanEos, true);
    assert.equal(exit.isEosLost, false);
    assert.equal(await gst.endInputs(), exit, 'endInputs is idempotent');
  });
});

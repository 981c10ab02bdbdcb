/**
 * How a room composite page plays its WebRTC audio in sync with its video. Three causes of
 * wandering lip sync in the recorder's Chromium, each measured (composite worker README, "Lip
 * sync"), and what the recorder does about each:
 *
 * 1. Chromium pulls a remote audio stream only while its audio output runs, and that output
 *    starts with the first remote audio element, up to a second after the first packets. NetEq
 *    keeps what arrived meanwhile and then plays it ~5 % fast for many seconds (time-stretch
 *    "acceleration") until the backlog is gone. {@link ROOM_PLAYOUT_SCRIPT} starts the output
 *    with a silent loopback track before the page's own connections receive anything.
 * 2. LiveKit gives every track its own MediaStream id (`<participant>|<track>`), so Chromium
 *    never aligns a participant's audio with their video: the audio path (NetEq plus the output
 *    buffer) is 100–250 ms longer than the video path. The script holds each participant's
 *    video back by the current delay of their audio (`jitterBufferTarget`, measured every
 *    second), as Chromium's own lip sync would.
 * 3. Chromium writes ~25 ms ahead into PulseAudio; a longer stall of its audio thread on a busy
 *    machine underruns the stream, the sink plays silence, and the audio comes out late from
 *    then on until NetEq accelerates again. {@link CHROME_AUDIO_LATENCY_MS} asks for a deeper
 *    buffer; it is part of the playout delay the script holds video back by.
 */

/**
 * PulseAudio buffer of Chromium's playback streams (`PULSE_LATENCY_MSEC`, read by libpulse at
 * stream creation): stalls of Chromium's audio thread up to about this long no longer reach the
 * recording. Media elements and the script's alignment account for it; a page that draws in time
 * with its AudioContext clock without reading `outputLatency` shows its sound this much later.
 */
export const CHROME_AUDIO_LATENCY_MS = 150;

/**
 * The longest a room page's first remote description waits for the audio output to run: past
 * it the page connects anyway, as without the script (a machine where a loopback connection
 * cannot form).
 */
export const PLAYOUT_WARMUP_LIMIT_MS = 3000;

/**
 * The video delay a participant's video starts with, before their audio's is measured: the
 * output buffer plus NetEq's usual delay.
 */
export const INITIAL_VIDEO_DELAY_MS = CHROME_AUDIO_LATENCY_MS + 50;

/** How the page script's console warnings start; the recorder logs them at warn level. */
export const EGRESS_CONSOLE_PREFIX = 'egress:';

/** How often the page re-aligns each participant's video with their audio. */
export const ALIGN_INTERVAL_MS = 500;

/**
 * Runs in a room composite page before the page's scripts (`evaluateOnNewDocument`); see the
 * module comment for why. It wraps `RTCPeerConnection.prototype.setRemoteDescription`:
 * - the first remote description with audio waits (at most {@link PLAYOUT_WARMUP_LIMIT_MS})
 *   until a silent loopback track is being pulled by the audio output; the loopback stays for
 *   the page's life, so the output never stops between speakers;
 * - each video receiver starts with {@link INITIAL_VIDEO_DELAY_MS}, and every
 *   {@link ALIGN_INTERVAL_MS} it reads each connection's stats and sets each video receiver's
 *   `jitterBufferTarget` to the delay of the same participant's audio (NetEq's
 *   delay over the last interval plus the output's playout delay), so a participant's picture
 *   is shown when their sound is heard. Tracks are matched to participants by LiveKit's
 *   MediaStream id (`<participant sid>|...`).
 */
export const ROOM_PLAYOUT_SCRIPT = `(() => {
  const Native = window.RTCPeerConnection;
  if (!Native || window.__egressRoomPlayout) return;
  window.__egressRoomPlayout = true;
  const nativeSetRemote = Native.prototype.setRemoteDescription;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  async function isPulled(pc) {
    let pulled = false;
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio' && r.totalSamplesReceived > 0) pulled = true;
    });
    return pulled;
  }
  async function startOutput() {
    const ctx = new AudioContext();
    const destination = ctx.createMediaStreamDestination();
    const silence = ctx.createConstantSource();
    silence.offset.value = 0;
    silence.connect(destination);
    silence.start();
    const sender = new Native();
    const receiver = new Native();
    sender.onicecandidate = (e) => { if (e.candidate) receiver.addIceCandidate(e.candidate).catch(() => {}); };
    receiver.onicecandidate = (e) => { if (e.candidate) sender.addIceCandidate(e.candidate).catch(() => {}); };
    receiver.ontrack = (e) => {
      const element = new Audio();
      element.srcObject = new MediaStream([e.track]);
      element.play().catch(() => {});
      window.__egressPlayoutWarmup = { ctx, sender, receiver, element };
    };
    sender.addTrack(destination.stream.getAudioTracks()[0], destination.stream);
    await sender.setLocalDescription();
    await nativeSetRemote.call(receiver, sender.localDescription);
    await receiver.setLocalDescription();
    await nativeSetRemote.call(sender, receiver.localDescription);
    while (!(await isPulled(receiver))) await sleep(20);
  }
  let isWarm = false;
  const outputRuns = Promise.race([
    startOutput().then(
      () => { isWarm = true; },
      (err) => console.warn('${EGRESS_CONSOLE_PREFIX} audio output warm-up failed', String(err)),
    ),
    sleep(${PLAYOUT_WARMUP_LIMIT_MS}).then(() => {
      if (!isWarm) console.warn('${EGRESS_CONSOLE_PREFIX} audio output not running after ${PLAYOUT_WARMUP_LIMIT_MS} ms; joining anyway');
    }),
  ]);

  const connections = new Set();
  const participantOfTrack = new Map();
  // Per connection: two connections can report the same stats id.
  const previousOf = new WeakMap();
  // Since the last reading of this connection's stat; the first counts from the stream's start.
  function delta(pc, id, name, value) {
    if (!previousOf.has(pc)) previousOf.set(pc, new Map());
    const previous = previousOf.get(pc);
    const key = id + ' ' + name;
    const before = previous.get(key) ?? 0;
    previous.set(key, value);
    return value - before;
  }
  async function alignConnection(pc) {
    const stats = await pc.getStats();
    let playoutMs = 0;
    stats.forEach((r) => {
      if (r.type !== 'media-playout') return;
      const delay = delta(pc, r.id, 'delay', r.totalPlayoutDelay);
      const count = delta(pc, r.id, 'count', r.totalSamplesCount);
      if (count > 0) playoutMs = (delay / count) * 1000;
    });
    const audioMs = new Map();
    stats.forEach((r) => {
      if (r.type !== 'inbound-rtp' || r.kind !== 'audio') return;
      const delay = delta(pc, r.id, 'jb', r.jitterBufferDelay);
      const emitted = delta(pc, r.id, 'emitted', r.jitterBufferEmittedCount);
      const participant = participantOfTrack.get(r.trackIdentifier);
      if (participant && emitted > 0) {
        audioMs.set(participant, (delay / emitted) * 1000 + playoutMs);
      }
    });
    for (const receiver of pc.getReceivers()) {
      const track = receiver.track;
      if (!track || track.kind !== 'video' || track.readyState !== 'live') continue;
      const target = audioMs.get(participantOfTrack.get(track.id));
      if (target === undefined) continue;
      const rounded = Math.min(4000, Math.round(target));
      if (Math.abs((receiver.jitterBufferTarget ?? 0) - rounded) >= 10) receiver.jitterBufferTarget = rounded;
    }
  }
  setInterval(() => {
    for (const pc of connections) {
      if (pc.connectionState === 'closed') connections.delete(pc);
      else alignConnection(pc).catch(() => {});
    }
  }, ${ALIGN_INTERVAL_MS});

  Native.prototype.setRemoteDescription = function (description, ...rest) {
    if (!connections.has(this)) {
      connections.add(this);
      this.addEventListener('track', (e) => {
        const stream = e.streams[0];
        if (stream) participantOfTrack.set(e.track.id, stream.id.split('|')[0]);
        // Chromium moves a video delay by ~100 ms a second, but starts a stream at its target:
        // a first guess now keeps the recording's first seconds close.
        if (e.track.kind === 'video') e.receiver.jitterBufferTarget = ${INITIAL_VIDEO_DELAY_MS};
      });
    }
    if (!description || typeof description.sdp !== 'string' || !/^m=audio /m.test(description.sdp)) {
      return nativeSetRemote.call(this, description, ...rest);
    }
    return outputRuns.then(() => nativeSetRemote.call(this, description, ...rest));
  };
})();`;

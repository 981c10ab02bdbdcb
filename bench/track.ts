// CPU per track egress (audio → OGG, audio → WebSocket, 720p30 video → MP4) and how many
// concurrent audio track egresses hold real time, through the track worker's real code path
// (runTrackEgress in cell-like children of 10 egresses, one gst-launch encoder each) against the
// in-repo test SFU and its bots (a 440 Hz tone, a 1280x720 30 fps pattern).
// Run (WebRTC needs the network namespace; root):
//   scripts/netns-run node --import tsx bench/track.ts [seconds per case, default 15] [N,N,...] [only]
// N: concurrent audio egresses for the real-time rows (default 50). only: run just the cases whose
// name contains it (e.g. `video`, to repeat the video rows: they vary ±10 % from run to run). CPU: utime + stime deltas from
// /proc over the window, summed over each cell and its encoder children. The SFU and the tone bot
// run in one child process, the pattern bot in another (its JS rendering would delay the SFU's
// packet timing); their CPU is the "SFU+bots" column, not the egresses'. Video: measured once
// libwebrtc's sender sends the full 1280x720 (it starts small and steps up); the file's size and
// rate, and what the sender sent at the window's end and why it sent less, if it did ("limited
// by bandwidth": the test SFU's feedback, timed in a starved JS process, can read as congestion
// on a loaded machine). Real time: each OGG file must hold the continuous tone for >= 98 %
// of the measured window, while all egresses run (ffmpeg silencedetect); gaps are audio that did
// not get through. Whole-file coverage, which includes the joins, and the first tone's delay after
// ACTIVE (subscription, DTLS) are shown apart.
// The machine may be shared: compare rows of one run, not runs.
import { runTrackBench, type TrackBenchCase, type TrackBenchRow } from './track/track-bench.js';

const windowSec = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 15;
const counts = (process.argv[3] ?? '50')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);

const only = process.argv[4];

const allCases: TrackBenchCase[] = [
  { name: 'audio → OGG', media: 'audio', output: 'ogg', count: 10 },
  { name: 'audio → WebSocket', media: 'audio', output: 'websocket', count: 10 },
  { name: 'video 720p30 → MP4', media: 'video', output: 'mp4', count: 1 },
  // As the worker packs them: the rtc-node runtime of a cell is shared.
  { name: 'video 720p30 → MP4, one cell', media: 'video', output: 'mp4', count: 2 },
  ...counts.map(
    (count): TrackBenchCase => ({
      name: 'audio → OGG, real time',
      media: 'audio',
      output: 'ogg',
      count,
      checkRealTime: true,
    }),
  ),
];
const cases = allCases.filter((c) => !only || c.name.includes(only));

const pct = (share: number | undefined) => `${((share ?? 0) * 100).toFixed(1)} %`;

function printTable(rows: TrackBenchRow[]): void {
  const header = [
    'case',
    'egresses',
    'cores',
    'core/s per egress',
    'RSS MB per egress',
    'complete',
    'SFU+bots cores',
    'real time / video',
  ];
  const lines = rows.map((r) => [
    r.name,
    String(r.count),
    r.cores.toFixed(2),
    r.corePerEgress.toFixed(3),
    r.rssMbPerEgress.toFixed(1),
    `${r.complete}/${r.count}`,
    r.sfuCores.toFixed(2),
    r.videoFormat ??
      (r.realTime === undefined
        ? '-'
        : `${r.realTime}/${r.count} (min ${pct(r.minCoverage)}, median ${pct(r.medianCoverage)}; whole files ${pct(r.medianFileCoverage)}; first tone ${(r.medianFirstToneSec ?? 0).toFixed(1)} s)`),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    `| ${cells.map((c, i) => (i < 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log(fmt(header));
  console.log(
    `|${widths.map((w, i) => (i < 1 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const l of lines) console.log(fmt(l));
  for (const r of rows.filter((row) => row.videoFormat)) {
    const threads = r.busiestThreads.map((t) => `${t.name} ${t.cores.toFixed(3)}`).join(', ');
    console.log(`${r.name} x${r.count}, busiest threads (cores): ${threads}`);
  }
  console.log(
    `CPU over ${windowSec} s after a 3 s warm-up (video: once the sender sends its full size), ` +
      'in core-seconds per media second; RSS at the end of the window. Real time: files holding ' +
      'the tone for >= 98 % of that window, all egresses running (min and median of the window; ' +
      "whole files: median from the first tone to the end, including the other egresses' " +
      "joins, which stall the test SFU's JavaScript at the same moments in every file).",
  );
  console.log(
    'Targets: >= 50 concurrent audio egresses on 2 cores; <= 0.35 core per 720p30 video egress.',
  );
}

const rows = await runTrackBench({
  cases,
  windowSec,
  onRow: (row) => console.error(`done: ${row.name} x${row.count}`),
});
printTable(rows);
process.exit(0);

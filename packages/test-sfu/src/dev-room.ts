import { parseArgs } from 'node:util';
import { dispose } from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { type Bot, type BotOptions, startBot } from './bots/start-bot.js';
import { startTestSfu } from './test-sfu.js';

// Template development without a LiveKit deployment: starts the test SFU with N publisher bots
// in one room and prints the template URL with a recorder token, as the egress would open it.
//   pnpm --filter @egress/test-sfu dev-room -- --bots 3 --template http://localhost:5173/

const USAGE = `usage: dev-room [--bots N] [--room NAME] [--port 7880] [--host 127.0.0.1]
                [--template URL] [--layout grid] [--codec vp8|h264] [--exit-with-parent]
  Bots cycle through: camera+mic, camera+mic with the A/V sync signal, camera only, mic only,
  screen share. API key and secret come from LIVEKIT_API_KEY / LIVEKIT_API_SECRET
  (default devkey / secret). Ctrl-C stops everything; --exit-with-parent also stops when the
  process that started it is gone (the templates' Vite plugin uses it).`;

const BOT_VARIANTS: Array<Pick<BotOptions, 'kind' | 'isSyncSignal'>> = [
  { kind: 'audio-video' },
  { kind: 'audio-video', isSyncSignal: true },
  { kind: 'video' },
  { kind: 'audio' },
  { kind: 'screen-share' },
];

const args = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'));
const { values } = parseArgs({
  args,
  options: {
    bots: { type: 'string', default: '3' },
    room: { type: 'string', default: 'dev-room' },
    port: { type: 'string', default: '7880' },
    host: { type: 'string', default: '127.0.0.1' },
    template: { type: 'string', default: 'http://localhost:5173/' },
    layout: { type: 'string', default: 'grid' },
    codec: { type: 'string', default: 'vp8' },
    'exit-with-parent': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const botCount = Number(values.bots);
const port = Number(values.port);
if (!Number.isInteger(botCount) || botCount < 0 || botCount > 20) {
  process.stderr.write(`--bots: expected an integer from 0 to 20\n${USAGE}\n`);
  process.exit(2);
}
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port: expected a port number\n${USAGE}\n`);
  process.exit(2);
}
if (values.codec !== 'vp8' && values.codec !== 'h264') {
  process.stderr.write(`--codec: expected vp8 or h264\n${USAGE}\n`);
  process.exit(2);
}
const videoCodec = values.codec;
const apiKey = process.env.LIVEKIT_API_KEY ?? 'devkey';
const apiSecret = process.env.LIVEKIT_API_SECRET ?? 'secret';
const room = values.room;

const sfu = await startTestSfu({ apiKey, apiSecret, host: values.host, port }).catch(
  (err: unknown) => {
    const isInUse = err instanceof Error && 'code' in err && err.code === 'EADDRINUSE';
    process.stderr.write(
      isInUse
        ? `port ${port} is in use: is another dev room running? Pass --port.\n`
        : `starting the test SFU failed: ${String(err)}\n`,
    );
    process.exit(1);
  },
);
const bots: Bot[] = [];
for (let i = 0; i < botCount; i++) {
  const variant = BOT_VARIANTS[i % BOT_VARIANTS.length] ?? { kind: 'audio-video' };
  const identity = `bot-${i + 1}-${variant.kind}${variant.isSyncSignal ? '-sync' : ''}`;
  bots.push(
    await startBot({ url: sfu.url, apiKey, apiSecret, room, identity, videoCodec, ...variant }),
  );
}

// The egress joins as a hidden recorder that only subscribes (egress-go-behavior.md).
const recorder = new AccessToken(apiKey, apiSecret, { identity: 'EG_dev_room', ttl: '24h' });
recorder.kind = 'egress';
recorder.addGrant({
  room,
  roomJoin: true,
  canSubscribe: true,
  canPublish: false,
  canPublishData: false,
  hidden: true,
  recorder: true,
});
const templateUrl = new URL(values.template);
templateUrl.searchParams.set('url', sfu.url);
templateUrl.searchParams.set('token', await recorder.toJwt());
templateUrl.searchParams.set('layout', values.layout);

process.stdout.write(
  [
    `test SFU: ${sfu.url} (HTTP ${sfu.httpUrl}), room "${room}", ${bots.length} bot(s): ${bots.map((b) => b.identity).join(', ') || 'none'}`,
    `API key/secret: ${apiKey} / (LIVEKIT_API_SECRET or the dev default)`,
    'template URL:',
    templateUrl.toString(),
    'Ctrl-C to stop.',
    '',
  ].join('\n'),
);

// A bot or the SFU that does not close in time must not keep the room up after Ctrl-C.
const STOP_DEADLINE_MS = 5000;
let isStopping = false;
const stop = async () => {
  if (isStopping) return;
  isStopping = true;
  setTimeout(() => {
    process.stderr.write(`dev-room: not stopped within ${STOP_DEADLINE_MS} ms, exiting\n`);
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();
  for (const bot of bots) await bot.leave();
  await sfu.close();
  await dispose();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
if (values['exit-with-parent']) {
  // An orphan is re-parented: stop with the dev server even if it could not say so.
  const parentPid = process.ppid;
  setInterval(() => {
    if (process.ppid !== parentPid) void stop();
  }, 1000).unref();
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EgressError } from '../errors.js';
import {
  type ParsedStreamUrl,
  parseStreamUrl,
  redactIdentifier,
  redactStreamUrl,
  type StreamUrlProtocol,
} from './stream-url.js';

const RTMP_SHAPE = 'rtmp(s)://{host}(/{path})/{app}/{stream_key}( live=1)';

describe('parseStreamUrl', () => {
  const cases: {
    name: string;
    input: [string, StreamUrlProtocol?];
    want: ParsedStreamUrl | { error: string };
  }[] = [
    {
      name: 'expands mux:// to the Mux RTMPS ingest (urls_test.go)',
      input: ['mux://streamkey'],
      want: {
        protocol: 'rtmp',
        url: 'rtmps://global-live.mux.com:443/app/streamkey',
        redacted: 'rtmps://global-live.mux.com:443/app/{str...key}',
      },
    },
    {
      name: 'maps twitch:// to the global Twitch ingest without a network call',
      input: ['twitch://streamkey'],
      want: {
        protocol: 'rtmp',
        url: 'rtmps://live.twitch.tv:443/app/streamkey',
        redacted: 'rtmps://live.twitch.tv:443/app/{str...key}',
      },
    },
    {
      name: 'accepts rtmp with a port (urls_test.go)',
      input: ['rtmp://localhost:1935/live/streamkey'],
      want: {
        protocol: 'rtmp',
        url: 'rtmp://localhost:1935/live/streamkey',
        redacted: 'rtmp://localhost:1935/live/{str...key}',
      },
    },
    {
      name: 'accepts rtmps (urls_test.go)',
      input: ['rtmps://localhost:1935/live/streamkey', 'rtmp'],
      want: {
        protocol: 'rtmp',
        url: 'rtmps://localhost:1935/live/streamkey',
        redacted: 'rtmps://localhost:1935/live/{str...key}',
      },
    },
    {
      name: 'keeps a raw Twitch contribute URL as it is',
      input: ['rtmp://fake.contribute.live-video.net/app/streamkey'],
      want: {
        protocol: 'rtmp',
        url: 'rtmp://fake.contribute.live-video.net/app/streamkey',
        redacted: 'rtmp://fake.contribute.live-video.net/app/{str...key}',
      },
    },
    {
      name: 'accepts a path before the app and the live=1 suffix',
      input: ['rtmp://a.rtmp.youtube.com/x/live2/abcd-efgh-ijkl live=1'],
      want: {
        protocol: 'rtmp',
        url: 'rtmp://a.rtmp.youtube.com/x/live2/abcd-efgh-ijkl live=1',
        redacted: 'rtmp://a.rtmp.youtube.com/x/live2/{abc...jkl} live=1',
      },
    },
    {
      name: 'accepts srt with host, port and query',
      input: ['srt://foo.bar.com:9999?streamid=abc&passphrase=secretsecret'],
      want: {
        protocol: 'srt',
        url: 'srt://foo.bar.com:9999?streamid=abc&passphrase=secretsecret',
        redacted: 'srt://foo.bar.com:9999?streamid={...}&passphrase={...}',
      },
    },
    {
      name: 'accepts a websocket url',
      input: ['wss://foo.bar.com/audio?token=abc', 'websocket'],
      want: {
        protocol: 'websocket',
        url: 'wss://foo.bar.com/audio?token=abc',
        redacted: 'wss://foo.bar.com/audio?token={...}',
      },
    },
    {
      name: 'rejects an rtmp url without a key',
      input: ['rtmp://host/app/'],
      want: { error: 'missing stream key' },
    },
    {
      name: 'rejects an rtmp url without an app',
      input: ['rtmp://host/streamkey'],
      want: { error: RTMP_SHAPE },
    },
    {
      name: 'rejects an rtmp url without a host',
      input: ['rtmp:///app/key'],
      want: { error: 'missing host' },
    },
    {
      name: 'rejects a bad port',
      input: ['rtmp://host:99999/app/key'],
      want: { error: RTMP_SHAPE },
    },
    { name: 'rejects http', input: ['http://host/app/key'], want: { error: 'invalid protocol' } },
    {
      name: 'rejects a url without a scheme',
      input: ['host/app/key'],
      want: { error: 'invalid protocol' },
    },
    { name: 'rejects an empty url', input: [''], want: { error: 'stream url' } },
    { name: 'rejects an empty mux key', input: ['mux://'], want: { error: 'mux://<stream_key>' } },
    { name: 'rejects srt without a port', input: ['srt://host'], want: { error: 'missing port' } },
    {
      name: 'rejects an srt url on an rtmp output',
      input: ['srt://host:1234', 'rtmp'],
      want: { error: 'invalid scheme for a rtmp output' },
    },
    {
      name: 'rejects a websocket url on an rtmp output',
      input: ['wss://host/x', 'rtmp'],
      want: { error: 'invalid scheme' },
    },
    {
      name: 'rejects a NUL byte',
      input: ['rtmp://host/app/key\u0000'],
      want: { error: 'control characters' },
    },
    {
      name: 'rejects a newline',
      input: ['rtmp://host/app/key\nx'],
      want: { error: 'control characters' },
    },
    {
      name: 'rejects a 100k-character url',
      input: [`rtmp://host/app/${'k'.repeat(100_000)}`],
      want: { error: 'longer than' },
    },
    {
      name: 'accepts a unicode stream key',
      input: ['rtmp://host/app/ключ-🔑-ключ'],
      want: {
        protocol: 'rtmp',
        url: 'rtmp://host/app/ключ-🔑-ключ',
        redacted: 'rtmp://host/app/{клю...люч}',
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const [url, protocol] = c.input;
      if ('error' in c.want) {
        const fragment = c.want.error;
        assert.throws(
          () => parseStreamUrl(url, protocol),
          (err: unknown) =>
            err instanceof EgressError &&
            err.code === 'invalid_argument' &&
            err.message.includes(fragment) &&
            err.message.length < 1000,
        );
        return;
      }
      assert.deepEqual(parseStreamUrl(url, protocol), c.want);
    });
  }

  it('never puts the stream key in an error message', () => {
    for (const url of [
      'rtmp://host/supersecretkey',
      'rtmp://host/app/supersecretkey\u0000',
      'ftp://host/supersecretkey',
    ]) {
      assert.throws(
        () => parseStreamUrl(url),
        (err: unknown) => err instanceof EgressError && !err.message.includes('supersecretkey'),
      );
    }
  });
});

describe('redactStreamUrl', () => {
  const cases: { name: string; input: unknown; want: string }[] = [
    {
      name: 'redacts an rtmps key (protocol redact_test.go)',
      input: 'rtmps://foo.bar.com/app/secret_stream_key',
      want: 'rtmps://foo.bar.com/app/{sec...key}',
    },
    {
      name: 'redacts a mux key',
      input: 'mux://8e0b1b9c-50a2-d893-ec0a-102056d112ae',
      want: 'mux://{8e0...2ae}',
    },
    {
      name: 'redacts a twitch key',
      input: 'twitch://live_12345678_abcdefghijklmnop',
      want: 'twitch://{liv...nop}',
    },
    {
      name: 'leaves a plain srt url alone',
      input: 'srt://foo.bar.com:9999',
      want: 'srt://foo.bar.com:9999',
    },
    {
      name: 'redacts srt streamid and passphrase',
      input: 'srt://foo.bar.com:9999?streamid=124939da-5244&passphrase=WnxknzJTUbwYl9SpdqAudX',
      want: 'srt://foo.bar.com:9999?streamid={...}&passphrase={...}',
    },
    {
      name: 'redacts websocket query values',
      input: 'wss://foo.bar.com/audio?callId=12145&token=7df13dab0d4437602d6f7056b97e72b9',
      want: 'wss://foo.bar.com/audio?callId={...}&token={...}',
    },
    {
      name: 'keeps two characters of a six-character key',
      input: 'rtmp://h/app/abcdef',
      want: 'rtmp://h/app/{ab...ef}',
    },
    {
      name: 'hides a two-character key entirely',
      input: 'rtmp://h/app/ab',
      want: 'rtmp://h/app/{...}',
    },
    {
      name: 'redacts a userinfo password',
      input: 'rtmp://user:hunter2@host/app/streamkey',
      want: 'rtmp://user:{...}@host/app/{str...key}',
    },
    {
      name: 'hides the path of an rtmp url that lacks an app',
      input: 'rtmp://host/supersecretkey',
      want: 'rtmp://host/{...}',
    },
    {
      name: 'redacts an upper-case mux url',
      input: 'MUX://supersecretkey',
      want: 'MUX://{sup...key}',
    },
    {
      name: 'redacts a bare query parameter',
      input: 'srt://h:1?supersecret',
      want: 'srt://h:1?{...}',
    },
    { name: 'hides text that is not a url', input: 'supersecretkey', want: '{...}' },
    { name: 'hides a non-string', input: 42, want: '{...}' },
    {
      name: 'hides a 100k-character url',
      input: `rtmp://h/app/${'k'.repeat(100_000)}`,
      want: '{...}',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(redactStreamUrl(c.input), c.want);
    });
  }
});

describe('redactIdentifier', () => {
  const cases: { name: string; input: string; want: string }[] = [
    { name: 'keeps three characters each side from nine', input: 'streamkey', want: '{str...key}' },
    { name: 'keeps one character each side from three', input: 'abc', want: '{a...c}' },
    { name: 'hides an empty key', input: '', want: '{...}' },
    { name: 'never splits a surrogate pair', input: '🔑🔑🔑🔑🔑🔑', want: '{🔑🔑...🔑🔑}' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(redactIdentifier(c.input), c.want);
    });
  }
});

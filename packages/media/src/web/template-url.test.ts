import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EgressError } from '@egress/protocol';
import { roomCompositeUrl, type TemplateUrlOptions, templateUrl } from './template-url.js';

const base: TemplateUrlOptions = {
  baseUrl: 'https://egress-composite.livekit.io',
  layout: 'speaker',
  token: 'tok',
  wsUrl: 'wss://x.livekit.cloud',
};

describe('templateUrl', () => {
  const cases: Array<{ name: string; input: Partial<TemplateUrlOptions>; want: string }> = [
    {
      name: 'sorts layout, token and url and escapes them as Go does',
      input: {},
      want: 'https://egress-composite.livekit.io?layout=speaker&token=tok&url=wss%3A%2F%2Fx.livekit.cloud',
    },
    {
      name: 'keeps the base path and merges its own query, sorted',
      input: { baseUrl: 'http://127.0.0.1:8080/templates/?z=1&a=b c' },
      want: 'http://127.0.0.1:8080/templates/?a=b+c&layout=speaker&token=tok&url=wss%3A%2F%2Fx.livekit.cloud&z=1',
    },
    {
      name: 'replaces a layout the base already had',
      input: { baseUrl: 'http://h/?layout=grid', layout: 'grid-light' },
      want: 'http://h/?layout=grid-light&token=tok&url=wss%3A%2F%2Fx.livekit.cloud',
    },
    {
      name: "escapes !'()* and keeps -_.~ like url.QueryEscape",
      input: { layout: "a!b'c(d)e*f-g_h.i~j k" },
      want: 'https://egress-composite.livekit.io?layout=a%21b%27c%28d%29e%2Af-g_h.i~j+k&token=tok&url=wss%3A%2F%2Fx.livekit.cloud',
    },
    {
      name: 'keeps an empty layout and the fragment',
      input: { baseUrl: 'http://h/#view', layout: '' },
      want: 'http://h/?layout=&token=tok&url=wss%3A%2F%2Fx.livekit.cloud#view',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(templateUrl({ ...base, ...c.input }), c.want);
    });
  }

  it('rejects a base that is not an http, https or file URL', () => {
    for (const baseUrl of ['not a url', 'ftp://h/x']) {
      assert.throws(
        () => templateUrl({ ...base, baseUrl }),
        (err: unknown) => err instanceof EgressError && err.code === 'invalid_argument',
      );
    }
  });
});

describe('roomCompositeUrl', () => {
  it('mints the recorder token for the room when the request has none', async () => {
    const url = new URL(
      await roomCompositeUrl({
        baseUrl: 'http://h/',
        layout: 'grid',
        wsUrl: 'ws://127.0.0.1:7880',
        egressId: 'EG_abc',
        roomName: 'my room',
        apiKey: 'key',
        apiSecret: 'a-secret-that-is-long-enough-for-hs256',
      }),
    );
    // the payload only: verifying the signature is protocol's test of mintEgressToken
    const payload = (url.searchParams.get('token') ?? '').split('.')[1] ?? '';
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
      sub?: string;
      video?: { room?: string; recorder?: boolean };
    };
    assert.equal(claims.sub, 'EG_abc');
    assert.equal(claims.video?.room, 'my room');
    assert.equal(claims.video?.recorder, true);
    assert.equal(url.searchParams.get('url'), 'ws://127.0.0.1:7880');
  });

  it('uses the token the request brought', async () => {
    const token = 'request-token';
    const url = await roomCompositeUrl({
      ...base,
      baseUrl: 'http://h/',
      egressId: 'EG_x',
      roomName: 'r',
      apiKey: 'key',
      apiSecret: 'secret',
      token,
    });
    assert.equal(new URL(url).searchParams.get('token'), token);
  });
});

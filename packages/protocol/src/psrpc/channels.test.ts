import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ChannelKind,
  channelKindOf,
  claimRequestChannel,
  claimResponseChannel,
  formatChannel,
  PSRPC_METHODS,
  PSRPC_SERVICES,
  requestChannel,
  responseChannel,
  sanitize,
} from './channels.js';

describe('sanitize', () => {
  const cases: { name: string; input: string; want: string }[] = [
    { name: 'keeps letters, digits and underscores', input: 'EG_abc123XYZ', want: 'EG_abc123XYZ' },
    { name: 'escapes a dash', input: 'my-cluster', want: 'myu+002dcluster' },
    { name: 'escapes a dot and a space', input: 'a. b', want: 'au+002eu+0020b' },
    { name: 'escapes the pipe delimiter itself', input: 'a|b', want: 'au+007cb' },
    { name: 'escapes a Latin-1 letter with 4 hex digits', input: 'É', want: 'u+00c9' },
    { name: 'escapes CJK with 4 lower-case hex digits', input: '软件', want: 'u+8f6fu+4ef6' },
    { name: 'escapes an emoji above U+FFFF with 8 hex digits', input: '🚀', want: 'U+0001f680' },
    { name: 'keeps the underscore between escapes', input: '🚀_É', want: 'U+0001f680_u+00c9' },
    { name: 'turns a lone surrogate into U+FFFD as Go would', input: '\ud800x', want: 'u+fffdx' },
    { name: 'leaves an empty string empty', input: '', want: '' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(sanitize(c.input), c.want);
    });
  }
});

describe('formatChannel', () => {
  it("matches psrpc's unicode expectation", () => {
    assert.equal(
      formatChannel('.', '🚀_É', '🛰_bar', ['软件'], 'END'),
      'U+0001f680_u+00c9.U+0001f6f0_bar.u+8f6fu+4ef6.END',
    );
  });

  it('writes no delimiter for an empty part', () => {
    assert.equal(formatChannel('|', 'a', '', [], [''], ['', ''], 'b'), 'a|b');
  });
});

describe('channel helpers', () => {
  const cases: { name: string; input: () => string; want: string }[] = [
    // psrpc's own expectations (pkg/info/channels_test.go, Legacy form)
    {
      name: 'psrpc response channel',
      input: () => responseChannel('foo', 'bar'),
      want: 'foo|bar|RES',
    },
    {
      name: 'psrpc claim request channel',
      input: () => claimRequestChannel('foo', 'bar'),
      want: 'foo|bar|CLAIM',
    },
    {
      name: 'psrpc request channel, no topic',
      input: () => requestChannel('foo', 'bar'),
      want: 'foo|bar|REQ',
    },
    {
      name: 'psrpc claim response channel, no topic',
      input: () => claimResponseChannel('foo', 'bar'),
      want: 'foo|bar|RCLAIM',
    },
    {
      name: 'psrpc request channel with topic a, b, c',
      input: () => requestChannel('foo', 'bar', ['a', 'b', 'c']),
      want: 'foo|bar|a|b|c|REQ',
    },
    {
      name: 'psrpc claim response channel with topic a, b, c',
      input: () => claimResponseChannel('foo', 'bar', ['a', 'b', 'c']),
      want: 'foo|bar|a|b|c|RCLAIM',
    },
    // egress channels (psrpc-wire.md §5, §8)
    {
      name: 'StartEgress with the empty cluster topic',
      input: () => requestChannel(PSRPC_SERVICES.egressInternal, PSRPC_METHODS.startEgress, ['']),
      want: 'EgressInternal|StartEgress|REQ',
    },
    {
      name: 'StartEgress with a cluster id that needs sanitising',
      input: () => requestChannel('EgressInternal', 'StartEgress', ['eu-west']),
      want: 'EgressInternal|StartEgress|euu+002dwest|REQ',
    },
    {
      name: 'StartEgress claim response',
      input: () => claimResponseChannel('EgressInternal', 'StartEgress', ''),
      want: 'EgressInternal|StartEgress|RCLAIM',
    },
    {
      name: 'StopEgress with the egress id topic',
      input: () => requestChannel('EgressHandler', 'StopEgress', ['EG_test']),
      want: 'EgressHandler|StopEgress|EG_test|REQ',
    },
    {
      name: 'StopEgress claim response with a string topic',
      input: () => claimResponseChannel('EgressHandler', 'StopEgress', 'EG_test'),
      want: 'EgressHandler|StopEgress|EG_test|RCLAIM',
    },
    {
      name: 'IOInfo.UpdateEgress without topic',
      input: () => requestChannel(PSRPC_SERVICES.ioInfo, PSRPC_METHODS.updateEgress, []),
      want: 'IOInfo|UpdateEgress|REQ',
    },
    {
      name: 'claims to livekit-server',
      input: () => claimRequestChannel('EgressInternal', 'CLI_lkserver0001'),
      want: 'EgressInternal|CLI_lkserver0001|CLAIM',
    },
    {
      name: 'responses to the bridge IOInfo client',
      input: () => responseChannel('IOInfo', 'CLI_egressbridge'),
      want: 'IOInfo|CLI_egressbridge|RES',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(c.input(), c.want);
    });
  }
});

describe('channelKindOf', () => {
  const cases: { name: string; input: string; want: ChannelKind | null }[] = [
    { name: 'reads REQ', input: 'EgressInternal|StartEgress|REQ', want: 'REQ' },
    { name: 'reads RCLAIM', input: 'EgressHandler|StopEgress|EG_test|RCLAIM', want: 'RCLAIM' },
    { name: 'reads RES', input: 'IOInfo|CLI_egressbridge|RES', want: 'RES' },
    { name: 'reads CLAIM', input: 'EgressInternal|CLI_lkserver0001|CLAIM', want: 'CLAIM' },
    { name: 'rejects a stream channel', input: 'EgressInternal|NODE|STR', want: null },
    { name: 'rejects a bare kind with no service', input: 'REQ', want: null },
    { name: 'rejects our own egress: keys', input: 'egress:control:EG_x', want: null },
    { name: 'rejects a lower-case kind', input: 'a|b|req', want: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(channelKindOf(c.input), c.want);
    });
  }
});

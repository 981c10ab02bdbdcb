import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DirectFileOutput,
  EgressStatus,
  WebhookConfig,
  type WebhookEvent,
} from 'livekit-server-sdk';
import { DEMO_API_KEY, DEMO_API_SECRET } from '../demo/egress-stack.js';
import { statusName } from '../demo/egress-watch.js';
import { skipWithoutTestNetwork } from '../test-env.js';
import { startTestStack, type TestStack } from '../test-stack.js';
import { type RecordedEgress, recordEgress } from './record-egress.js';
import { startWebhookSink, type WebhookSink } from './webhook-sink.js';

// Webhooks of a Twirp egress, end to end: the bridge's configured webhook URL and the request's
// own webhook each receive egress_started, egress_updated and egress_ended, checked with
// livekit-server-sdk's WebhookReceiver as a LiveKit app would. As in livekit-server, a request
// webhook's signing_key names the API key that signs it; one naming an unknown key gets nothing.
const ROOM = 'e2e-webhooks';
const REDIS_DB = 20;
const RECORD_SEC = 3;
/** A signing_key naming no API key of the stack. */
const UNKNOWN_KEY = 'unknown-api-key';

describe('webhooks of a Twirp egress', { skip: skipWithoutTestNetwork() }, () => {
  let flow: TestStack | undefined;
  let configSink: WebhookSink | undefined;
  let requestSink: WebhookSink | undefined;
  let unknownKeySink: WebhookSink | undefined;
  let recorded: RecordedEgress | undefined;
  let egressId = '';

  /** The sink's events for this egress, once egress_ended has arrived. */
  async function eventsOf(sink: WebhookSink | undefined): Promise<WebhookEvent[]> {
    assert.ok(sink);
    await sink.waitFor((e) => e.event === 'egress_ended' && e.egressInfo?.egressId === egressId);
    return sink.events.filter((e) => e.egressInfo?.egressId === egressId);
  }

  before(async () => {
    configSink = await startWebhookSink(DEMO_API_KEY, DEMO_API_SECRET);
    requestSink = await startWebhookSink(DEMO_API_KEY, DEMO_API_SECRET);
    unknownKeySink = await startWebhookSink(UNKNOWN_KEY, DEMO_API_SECRET);
    flow = await startTestStack({
      redisDb: REDIS_DB,
      room: ROOM,
      workers: ['track-worker'],
      bots: [{ identity: 'alice', kind: 'audio', toneHz: 440 }],
      config: { webhook: `{ urls: [${JSON.stringify(configSink.url)}] }` },
    });
    const { stack } = flow;
    const started = await stack.client.startTrackEgress(
      ROOM,
      new DirectFileOutput({ filepath: 'hooks/{track_id}.ogg' }),
      stack.bots[0]?.publications.audio?.sid ?? '',
      // The unknown key's hook first: each event is settled for it before the next hook's.
      [
        new WebhookConfig({ url: unknownKeySink.url, signingKey: UNKNOWN_KEY }),
        new WebhookConfig({ url: requestSink.url, signingKey: DEMO_API_KEY }),
      ],
    );
    egressId = started.egressId;
    recorded = await recordEgress(stack.client, egressId, { recordSec: RECORD_SEC });
  });

  after(async () => {
    await flow?.close(!recorded);
    await Promise.all([configSink?.close(), requestSink?.close(), unknownKeySink?.close()]);
  });

  const sinks: Array<[string, () => WebhookSink | undefined]> = [
    ['the configured webhook URL', () => configSink],
    ['the request’s own webhook', () => requestSink],
  ];
  for (const [name, sinkOf] of sinks) {
    describe(name, () => {
      it('receives started, updated and ended, in that order, all verified', async () => {
        const events = await eventsOf(sinkOf());
        const names = events.map((e) => e.event);
        const first = (event: WebhookEvent['event']) => names.indexOf(event);
        assert.ok(first('egress_started') >= 0, `no egress_started in ${names.join(', ')}`);
        assert.ok(first('egress_updated') > first('egress_started'), names.join(', '));
        assert.ok(first('egress_ended') > first('egress_updated'), names.join(', '));
        assert.deepEqual(sinkOf()?.refusals, []);
      });

      it('carries the egress statuses: STARTING, then ACTIVE, and COMPLETE at the end', async () => {
        const events = await eventsOf(sinkOf());
        const status = (event: WebhookEvent['event']) =>
          events
            .filter((e) => e.event === event)
            .map((e) => (e.egressInfo ? statusName(e.egressInfo.status) : 'none'));
        assert.deepEqual(status('egress_started'), ['EGRESS_STARTING']);
        assert.ok(
          status('egress_updated').includes('EGRESS_ACTIVE'),
          status('egress_updated').join(),
        );
        assert.deepEqual(status('egress_ended'), ['EGRESS_COMPLETE']);
        const ended = events.find((e) => e.event === 'egress_ended')?.egressInfo;
        assert.ok((ended?.fileResults[0]?.size ?? 0n) > 0n, 'ended without a file result');
      });

      it('carries the request webhooks’ signing keys redacted', async () => {
        const events = await eventsOf(sinkOf());
        for (const e of events) {
          const request = e.egressInfo?.request;
          assert.equal(request?.case, 'track', `${e.event}: ${request?.case}`);
          const keys = request.value.webhooks.map((hook) => hook.signingKey);
          assert.deepEqual(keys, ['{signing_key}', '{signing_key}'], e.event);
        }
      });
    });
  }

  it('sends nothing to a request webhook whose signing_key names an unknown key', async () => {
    await eventsOf(requestSink);
    assert.deepEqual(unknownKeySink?.events, []);
    assert.deepEqual(unknownKeySink?.refusals, []);
  });

  it('the egress itself ended COMPLETE', () => {
    assert.ok(recorded);
    assert.equal(recorded.ended.status, EgressStatus.EGRESS_COMPLETE, recorded.ended.error);
  });
});

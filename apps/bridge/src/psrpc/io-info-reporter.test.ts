import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestChannel } from '@egress/protocol/psrpc';
import { EgressInfo, EgressStatus } from '@livekit/protocol';
import { IoInfoReporter, type IoInfoReporterOptions } from './io-info-reporter.js';
import type { PsrpcClient } from './psrpc-client.js';
import type { FakeLivekitServer } from './testing/fake-livekit-server.js';
import { psrpcTestRig, uniqueTopic } from './testing/psrpc-test-rig.js';

function info(egressId: string, status: EgressStatus): EgressInfo {
  return new EgressInfo({ egressId, roomId: 'RM_test', status });
}

describe('IoInfoReporter', () => {
  const rig = psrpcTestRig();

  async function setup(
    topic: string,
    options: { isServingIoInfo?: boolean; reporter?: Partial<IoInfoReporterOptions> } = {},
  ): Promise<{ fake: FakeLivekitServer; reporter: IoInfoReporter }> {
    const fake = await rig.newFake({
      ioInfoTopic: [topic],
      isServingIoInfo: options.isServingIoInfo ?? true,
    });
    const client = await rig.newClient('IOInfo');
    const reporter = new IoInfoReporter({
      client,
      logger: rig.logger,
      topic: [topic],
      updateTimeoutMs: 300,
      createTimeoutMs: 300,
      initialBackoffMs: 100,
      ...options.reporter,
    });
    rig.closeLater(() => reporter.close());
    return { fake, reporter };
  }

  it('creates then updates an egress on livekit-server', async () => {
    const topic = uniqueTopic();
    const { fake, reporter } = await setup(topic);
    const egressId = `EG_${topic}`;
    await reporter.createEgress(info(egressId, EgressStatus.EGRESS_STARTING));
    reporter.updateEgress(info(egressId, EgressStatus.EGRESS_ACTIVE));
    await fake.waitForStatus(egressId, EgressStatus.EGRESS_ACTIVE);
    await reporter.whenIdle();
    assert.deepEqual(
      fake.ioInfoCalls.map((c) => [c.method, c.info.status]),
      [
        ['CreateEgress', EgressStatus.EGRESS_STARTING],
        ['UpdateEgress', EgressStatus.EGRESS_ACTIVE],
      ],
    );
  });

  it('holds updates given during CreateEgress until it succeeds', async () => {
    const topic = uniqueTopic();
    const { fake, reporter } = await setup(topic);
    const egressId = `EG_${topic}`;
    const creating = reporter.createEgress(info(egressId, EgressStatus.EGRESS_STARTING));
    reporter.updateEgress(info(egressId, EgressStatus.EGRESS_ACTIVE));
    await creating;
    await fake.waitForStatus(egressId, EgressStatus.EGRESS_ACTIVE);
    assert.deepEqual(
      fake.ioInfoCalls.map((c) => c.method),
      ['CreateEgress', 'UpdateEgress'],
    );
  });

  it('retries while no IOInfo server is up and delivers once one appears', async () => {
    const topic = uniqueTopic();
    const { fake, reporter } = await setup(topic, { isServingIoInfo: false });
    const tap = await rig.newTap();
    const reqChannel = requestChannel('IOInfo', 'UpdateEgress', [topic]);
    await tap.tap(reqChannel);
    const egressId = `EG_${topic}`;
    reporter.updateEgress(info(egressId, EgressStatus.EGRESS_ACTIVE));
    // Two attempts went out unanswered: the first failed and was retried.
    await tap.next(reqChannel, 2);
    await fake.serveIoInfo();
    const delivered = await fake.waitForStatus(egressId, EgressStatus.EGRESS_ACTIVE);
    assert.equal(delivered.egressId, egressId);
    await reporter.whenIdle();
    assert.equal(fake.ioInfoCalls.length, 1);
  });

  it('sends only the newest pending info of an egress', async () => {
    const topic = uniqueTopic();
    const { fake, reporter } = await setup(topic, { isServingIoInfo: false });
    const egressId = `EG_${topic}`;
    reporter.updateEgress(info(egressId, EgressStatus.EGRESS_ACTIVE));
    reporter.updateEgress(info(egressId, EgressStatus.EGRESS_ENDING));
    reporter.updateEgress(info(egressId, EgressStatus.EGRESS_COMPLETE));
    await fake.serveIoInfo();
    await fake.waitForStatus(egressId, EgressStatus.EGRESS_COMPLETE);
    await reporter.whenIdle();
    const statuses = fake.ioInfoCalls.map((c) => c.info.status);
    assert.ok(!statuses.includes(EgressStatus.EGRESS_ENDING), `sent ${statuses.join(',')}`);
    assert.equal(statuses.at(-1), EgressStatus.EGRESS_COMPLETE);
    assert.equal(fake.egressInfo(egressId)?.status, EgressStatus.EGRESS_COMPLETE);
  });

  it('fails CreateEgress when nobody serves IOInfo and then drops that egress updates', async () => {
    const topic = uniqueTopic();
    const { fake, reporter } = await setup(topic, { isServingIoInfo: false });
    const egressId = `EG_${topic}`;
    await assert.rejects(reporter.createEgress(info(egressId, EgressStatus.EGRESS_STARTING)), {
      code: 'unavailable',
      message: 'no response from servers',
    });
    reporter.updateEgress(info(egressId, EgressStatus.EGRESS_ACTIVE));
    assert.equal(reporter.isIdle, true);
    await fake.serveIoInfo();
    // Another egress's update goes through, and the dropped one never follows.
    const otherId = `EG_other_${topic}`;
    reporter.updateEgress(info(otherId, EgressStatus.EGRESS_ACTIVE));
    await fake.waitForStatus(otherId, EgressStatus.EGRESS_ACTIVE);
    await reporter.whenIdle();
    assert.deepEqual(
      fake.ioInfoCalls.map((c) => c.info.egressId),
      [otherId],
    );
  });

  it('drops what is still pending at close after the drain time', async () => {
    const topic = uniqueTopic();
    const { reporter } = await setup(topic, { isServingIoInfo: false });
    reporter.updateEgress(info(`EG_${topic}`, EgressStatus.EGRESS_ACTIVE));
    assert.equal(reporter.isIdle, false);
    await reporter.close({ drainMs: 50 });
    assert.equal(reporter.isIdle, true);
    await assert.rejects(reporter.createEgress(info('EG_late', EgressStatus.EGRESS_STARTING)), {
      code: 'failed_precondition',
    });
  });

  describe('rejects bad options, naming the option', () => {
    const cases = [
      { name: 'a negative timeout', input: { updateTimeoutMs: -1 }, want: /updateTimeoutMs/ },
      { name: 'a zero backoff', input: { initialBackoffMs: 0 }, want: /initialBackoffMs/ },
      {
        name: 'a max backoff below the initial one',
        input: { initialBackoffMs: 1000, maxBackoffMs: 10 },
        want: /maxBackoffMs/,
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        assert.throws(
          () =>
            new IoInfoReporter({
              // Options are checked before the client is used.
              client: undefined as unknown as PsrpcClient,
              logger: rig.logger,
              ...c.input,
            }),
          { code: 'invalid_argument', message: c.want },
        );
      });
    }
  });
});

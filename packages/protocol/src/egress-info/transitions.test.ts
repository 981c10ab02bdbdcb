import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EgressInfo,
  EgressStatus,
  FileInfo,
  StreamInfo,
  StreamInfo_Status,
  StreamInfoList,
} from '@livekit/protocol';
import { EgressError, GO_MESSAGES } from '../errors.js';
import {
  applyClose,
  applyLimitReached,
  applyStop,
  END_REASONS,
  isFinalStatus,
  markAborted,
  markActive,
  markComplete,
  markEnding,
  markFailed,
  markLimitReached,
} from './transitions.js';

const S = EgressStatus;
const T0_NS = 1_000_000_000_000_000_000n;
const NOW_MS = 1_000_000_005_000;
const NOW_NS = 1_000_000_005_000_000_000n;

function infoIn(status: EgressStatus, details = ''): EgressInfo {
  const rtmp = new StreamInfo({
    url: 'rtmp://h/app/{abc...xyz}',
    status: StreamInfo_Status.ACTIVE,
  });
  const srt = new StreamInfo({
    url: 'srt://h:1',
    status: StreamInfo_Status.ACTIVE,
    startedAt: T0_NS,
  });
  return new EgressInfo({
    egressId: 'EG_test',
    status,
    details,
    startedAt: T0_NS,
    updatedAt: T0_NS,
    streamResults: [rtmp, srt],
    fileResults: [new FileInfo()],
    result: { case: 'stream', value: new StreamInfoList({ info: [rtmp, srt] }) },
  });
}

const ALL = [
  S.EGRESS_STARTING,
  S.EGRESS_ACTIVE,
  S.EGRESS_ENDING,
  S.EGRESS_COMPLETE,
  S.EGRESS_FAILED,
  S.EGRESS_ABORTED,
  S.EGRESS_LIMIT_REACHED,
];

const MOVES: {
  name: string;
  apply: (info: EgressInfo) => EgressInfo;
  to: EgressStatus;
  from: EgressStatus[];
}[] = [
  {
    name: 'markActive',
    apply: (i) => markActive(i, { nowMs: NOW_MS }),
    to: S.EGRESS_ACTIVE,
    from: [S.EGRESS_STARTING],
  },
  {
    name: 'markEnding',
    apply: (i) => markEnding(i, END_REASONS.api, { nowMs: NOW_MS }),
    to: S.EGRESS_ENDING,
    from: [S.EGRESS_ACTIVE],
  },
  {
    name: 'markComplete',
    apply: (i) => markComplete(i, { nowMs: NOW_MS }),
    to: S.EGRESS_COMPLETE,
    from: [S.EGRESS_ACTIVE, S.EGRESS_ENDING],
  },
  {
    name: 'markFailed',
    apply: (i) => markFailed(i, EgressError.internal('boom'), { nowMs: NOW_MS }),
    to: S.EGRESS_FAILED,
    from: [S.EGRESS_STARTING, S.EGRESS_ACTIVE, S.EGRESS_ENDING, S.EGRESS_LIMIT_REACHED],
  },
  {
    name: 'markAborted',
    apply: (i) => markAborted(i, GO_MESSAGES.startSignalNotReceived, { nowMs: NOW_MS }),
    to: S.EGRESS_ABORTED,
    from: [S.EGRESS_STARTING],
  },
  {
    name: 'markLimitReached',
    apply: (i) => markLimitReached(i, { nowMs: NOW_MS }),
    to: S.EGRESS_LIMIT_REACHED,
    from: [S.EGRESS_ACTIVE, S.EGRESS_ENDING],
  },
];

describe('status transitions', () => {
  for (const move of MOVES) {
    for (const from of ALL) {
      const legal = move.from.includes(from);
      it(`${move.name} ${legal ? 'moves' : 'refuses to move'} ${S[from]} to ${S[move.to]}`, () => {
        const info = infoIn(from);
        if (legal) {
          const next = move.apply(info);
          assert.equal(next.status, move.to);
          assert.equal(next.updatedAt, NOW_NS);
          assert.equal(info.status, from, 'the input must not change');
          assert.equal(info.updatedAt, T0_NS);
        } else {
          assert.throws(
            () => move.apply(info),
            (err) =>
              err instanceof EgressError &&
              err.code === 'failed_precondition' &&
              err.message.includes('EG_test'),
          );
        }
      });
    }
  }
});

describe('transition values', () => {
  it('markFailed records the error, its HTTP code and the Failure end reason', () => {
    const next = markFailed(infoIn(S.EGRESS_ACTIVE), EgressError.unavailable('rtmp down'), {
      nowMs: NOW_MS,
    });
    assert.equal(next.error, 'rtmp down');
    assert.equal(next.errorCode, 503);
    assert.equal(next.details, 'End reason: Failure');
    assert.equal(next.endedAt, NOW_NS);
  });

  it('markFailed with an unknown code leaves error_code 0, as Go', () => {
    const next = markFailed(infoIn(S.EGRESS_ACTIVE), new EgressError('unknown', 'what'));
    assert.equal(next.errorCode, 0);
  });

  it('markFailed keeps an end reason recorded before', () => {
    const next = markFailed(
      infoIn(S.EGRESS_ENDING, 'End reason: StopEgress API'),
      EgressError.internal('upload failed'),
    );
    assert.equal(next.details, 'End reason: StopEgress API');
  });

  it('markFailed writes a given end reason, as a CPU kill does', () => {
    const next = markFailed(
      infoIn(S.EGRESS_ACTIVE),
      EgressError.permissionDenied('CPU exhausted: 3.20 cores used'),
      { endReason: END_REASONS.cpuExhausted },
    );
    assert.equal(next.errorCode, 403);
    assert.equal(next.details, 'End reason: CPU exhausted');
  });

  it('markFailed fails the active streams and keeps the deprecated result in step', () => {
    const next = markFailed(infoIn(S.EGRESS_ACTIVE), EgressError.internal('x'), { nowMs: NOW_MS });
    for (const stream of next.streamResults) {
      assert.equal(stream.status, StreamInfo_Status.FAILED);
      assert.equal(stream.endedAt, NOW_NS);
    }
    assert.equal(next.result.case, 'stream');
    assert.deepEqual(
      next.result.value?.info.map((s) => s.status),
      [StreamInfo_Status.FAILED, StreamInfo_Status.FAILED],
    );
  });

  it('markAborted sets 412, the message, ended_at and an optional end reason', () => {
    const next = markAborted(infoIn(S.EGRESS_STARTING), GO_MESSAGES.stopBeforeStart, {
      nowMs: NOW_MS,
      endReason: END_REASONS.api,
    });
    assert.equal(next.error, 'Stop called before pipeline could start');
    assert.equal(next.errorCode, 412);
    assert.equal(next.details, 'End reason: StopEgress API');
    assert.equal(next.endedAt, NOW_NS);
  });

  it('markLimitReached sets 413, "Session limit reached" and its end reason', () => {
    const next = markLimitReached(infoIn(S.EGRESS_ACTIVE), { nowMs: NOW_MS });
    assert.equal(next.error, 'Session limit reached');
    assert.equal(next.errorCode, 413);
    assert.equal(next.details, 'End reason: Session limit reached');
    assert.equal(next.endedAt, NOW_NS);
  });

  it('markEnding records the end reason without ending', () => {
    const next = markEnding(infoIn(S.EGRESS_ACTIVE), END_REASONS.sourceClosed, { nowMs: NOW_MS });
    assert.equal(next.details, 'End reason: Source closed');
    assert.equal(next.endedAt, 0n);
  });

  it('markComplete finishes active streams with their duration', () => {
    const next = markComplete(infoIn(S.EGRESS_ENDING), { nowMs: NOW_MS });
    const [rtmp, srt] = next.streamResults;
    assert.equal(srt?.status, StreamInfo_Status.FINISHED);
    assert.equal(srt?.duration, NOW_NS - T0_NS);
    // An RTMP stream that never connected gets started_at = ended_at, as Go's UpdateEndTime.
    assert.equal(rtmp?.startedAt, NOW_NS);
    assert.equal(rtmp?.duration, 0n);
    assert.equal(next.endedAt, NOW_NS);
    assert.equal(next.error, '');
  });

  it('markActive stamps files and non-rtmp streams but not rtmp or the egress start', () => {
    const next = markActive(infoIn(S.EGRESS_STARTING), { nowMs: NOW_MS });
    assert.equal(next.fileResults[0]?.startedAt, NOW_NS);
    assert.equal(next.streamResults[0]?.startedAt, 0n);
    assert.equal(next.streamResults[1]?.startedAt, NOW_NS);
    assert.equal(next.startedAt, T0_NS);
  });
});

describe('Go-style lifecycle helpers', () => {
  const cases: {
    name: string;
    input: { status: EgressStatus; apply: (info: EgressInfo) => EgressInfo };
    want: { status: EgressStatus; error: string; details: string; same: boolean };
  }[] = [
    {
      name: 'a stop while STARTING aborts: stop called before pipeline could start',
      input: { status: S.EGRESS_STARTING, apply: (i) => applyStop(i, END_REASONS.api) },
      want: {
        status: S.EGRESS_ABORTED,
        error: GO_MESSAGES.stopBeforeStart,
        details: 'End reason: StopEgress API',
        same: false,
      },
    },
    {
      name: 'a stop while ACTIVE moves to ENDING with the reason',
      input: { status: S.EGRESS_ACTIVE, apply: (i) => applyStop(i, END_REASONS.streamsStopped) },
      want: {
        status: S.EGRESS_ENDING,
        error: '',
        details: 'End reason: All streams stopped',
        same: false,
      },
    },
    {
      name: 'a stop while ENDING changes nothing',
      input: { status: S.EGRESS_ENDING, apply: (i) => applyStop(i, END_REASONS.killed) },
      want: { status: S.EGRESS_ENDING, error: '', details: '', same: true },
    },
    {
      name: 'a stop after COMPLETE changes nothing',
      input: { status: S.EGRESS_COMPLETE, apply: (i) => applyStop(i, END_REASONS.api) },
      want: { status: S.EGRESS_COMPLETE, error: '', details: '', same: true },
    },
    {
      name: 'closing while STARTING aborts',
      input: { status: S.EGRESS_STARTING, apply: (i) => applyClose(i) },
      want: {
        status: S.EGRESS_ABORTED,
        error: GO_MESSAGES.stopBeforeStart,
        details: '',
        same: false,
      },
    },
    {
      name: 'closing while ENDING completes',
      input: { status: S.EGRESS_ENDING, apply: (i) => applyClose(i) },
      want: { status: S.EGRESS_COMPLETE, error: '', details: '', same: false },
    },
    {
      name: 'closing after a room disconnect fails',
      input: {
        status: S.EGRESS_ACTIVE,
        apply: (i) => applyClose(i, { error: EgressError.unavailable('room disconnected') }),
      },
      want: {
        status: S.EGRESS_FAILED,
        error: 'room disconnected',
        details: 'End reason: Failure',
        same: false,
      },
    },
    {
      name: 'closing after LIMIT_REACHED keeps it',
      input: { status: S.EGRESS_LIMIT_REACHED, apply: (i) => applyClose(i) },
      want: { status: S.EGRESS_LIMIT_REACHED, error: '', details: '', same: true },
    },
    {
      name: 'a limit before the start signal aborts',
      input: { status: S.EGRESS_STARTING, apply: (i) => applyLimitReached(i) },
      want: {
        status: S.EGRESS_ABORTED,
        error: GO_MESSAGES.limitBeforeStartSignal,
        details: '',
        same: false,
      },
    },
    {
      name: 'a limit while ACTIVE reaches the limit',
      input: { status: S.EGRESS_ACTIVE, apply: (i) => applyLimitReached(i) },
      want: {
        status: S.EGRESS_LIMIT_REACHED,
        error: GO_MESSAGES.sessionLimitReached,
        details: 'End reason: Session limit reached',
        same: false,
      },
    },
    {
      name: 'a limit after FAILED changes nothing',
      input: { status: S.EGRESS_FAILED, apply: (i) => applyLimitReached(i) },
      want: { status: S.EGRESS_FAILED, error: '', details: '', same: true },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const info = infoIn(c.input.status);
      const next = c.input.apply(info);
      assert.equal(next.status, c.want.status);
      assert.equal(next.error, c.want.error);
      assert.equal(next.details, c.want.details);
      assert.equal(next === info, c.want.same);
    });
  }
});

describe('isFinalStatus', () => {
  const finals = [S.EGRESS_COMPLETE, S.EGRESS_FAILED, S.EGRESS_ABORTED, S.EGRESS_LIMIT_REACHED];
  const cases: { name: string; input: EgressStatus; want: boolean }[] = ALL.map((status) => ({
    name: `${S[status]} is ${finals.includes(status) ? '' : 'not '}final`,
    input: status,
    want: finals.includes(status),
  }));
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(isFinalStatus(c.input), c.want);
    });
  }
});

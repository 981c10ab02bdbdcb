import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandTemplate } from './expand-template.js';
import type { NamingVars } from './naming-vars.js';

// a zone with a half-hour offset and no DST, so {time} (local) and {utc} differ visibly; set
// before any Date is made, and this file runs in its own process
process.env.TZ = 'Asia/Kolkata';
const NOW = new Date(Date.UTC(2024, 2, 5, 14, 7, 9, 42));
const ROOM: NamingVars = { roomName: 'my-room', roomId: 'RM_abc' };
const TRACK: NamingVars = {
  ...ROOM,
  publisherIdentity: 'alice',
  trackId: 'TR_v1',
  trackType: 'video',
  trackSource: 'screen_share',
};

describe('expandTemplate', () => {
  const cases: { name: string; input: { template: string; vars: NamingVars }; want: string }[] = [
    {
      name: 'expands {room_name}',
      input: { template: 'r/{room_name}', vars: ROOM },
      want: 'r/my-room',
    },
    {
      name: 'expands {room_id}',
      input: { template: '{room_id}.mp4', vars: ROOM },
      want: 'RM_abc.mp4',
    },
    {
      name: 'expands {time} in local time as 2006-01-02T150405',
      input: { template: '{time}', vars: ROOM },
      want: '2024-03-05T193709',
    },
    {
      name: 'expands {utc} in UTC with three millisecond digits',
      input: { template: '{utc}', vars: ROOM },
      want: '20240305140709042',
    },
    {
      name: 'expands {retry} to 0 on the first attempt',
      input: { template: 'f-{retry}', vars: ROOM },
      want: 'f-0',
    },
    {
      name: 'expands {retry} to the retry count',
      input: { template: 'f-{retry}', vars: { ...ROOM, retryCount: 2 } },
      want: 'f-2',
    },
    {
      name: 'expands the publisher and track placeholders',
      input: {
        template: '{publisher_identity}/{track_id}-{track_type}-{track_source}',
        vars: TRACK,
      },
      want: 'alice/TR_v1-video-screen_share',
    },
    {
      name: 'leaves {publisher_identity} for a second pass while it is not known',
      input: { template: '{room_name}/{publisher_identity}', vars: ROOM },
      want: 'my-room/{publisher_identity}',
    },
    {
      name: 'leaves the track placeholders while they are not known',
      input: { template: '{track_id}_{track_type}_{track_source}', vars: ROOM },
      want: '{track_id}_{track_type}_{track_source}',
    },
    {
      name: 'leaves the room placeholders of a web egress, as Go does',
      input: { template: '{room_name}-{room_id}-{time}', vars: { roomName: '', roomId: '' } },
      want: '{room_name}-{room_id}-2024-03-05T193709',
    },
    {
      name: 'leaves unknown placeholders as written',
      input: { template: '{egress_id}/{room}/{ROOM_NAME}/{room_name', vars: ROOM },
      want: '{egress_id}/{room}/{ROOM_NAME}/{room_name',
    },
    {
      name: 'expands every occurrence',
      input: { template: '{room_name}/{room_name}', vars: ROOM },
      want: 'my-room/my-room',
    },
    {
      name: 'expands all placeholders in one template',
      input: {
        template:
          '{room_name}/{room_id}/{time}/{utc}/{retry}/{publisher_identity}/{track_id}/{track_type}/{track_source}',
        vars: { ...TRACK, retryCount: 1 },
      },
      want: 'my-room/RM_abc/2024-03-05T193709/20240305140709042/1/alice/TR_v1/video/screen_share',
    },
    {
      name: 'does not expand a placeholder that a value contains',
      input: { template: '{room_name}', vars: { roomName: '{room_id}', roomId: 'RM_x' } },
      want: '{room_id}',
    },
    {
      name: 'turns slashes in a room name into underscores',
      input: {
        template: 'out/{room_name}.mp4',
        vars: { roomName: '../../etc/passwd', roomId: '' },
      },
      want: 'out/.._.._etc_passwd.mp4',
    },
    {
      name: 'turns backslashes in an identity into underscores',
      input: {
        template: '{publisher_identity}',
        vars: { ...ROOM, publisherIdentity: '..\\..\\x' },
      },
      want: '.._.._x',
    },
    {
      name: 'turns a value of exactly .. into __',
      input: { template: 'a/{publisher_identity}/b', vars: { ...ROOM, publisherIdentity: '..' } },
      want: 'a/__/b',
    },
    {
      name: 'turns a value of exactly . into _',
      input: { template: 'a/{room_name}/b', vars: { roomName: '.', roomId: '' } },
      want: 'a/_/b',
    },
    {
      name: 'turns NUL, newline and DEL in a value into underscores',
      input: { template: '{room_name}', vars: { roomName: 'a\0b\nc\u007fd\u0085e', roomId: '' } },
      want: 'a_b_c_d_e',
    },
    {
      name: 'keeps unicode, emoji and spaces in a value',
      input: { template: '{room_name}', vars: { roomName: 'salle à manger 🎥 会议', roomId: '' } },
      want: 'salle à manger 🎥 会议',
    },
    {
      name: 'substitutes an empty identity as empty',
      input: { template: 'x{publisher_identity}y', vars: { ...ROOM, publisherIdentity: '' } },
      want: 'xy',
    },
    { name: 'returns an empty template unchanged', input: { template: '', vars: ROOM }, want: '' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(expandTemplate(c.input.template, c.input.vars, NOW), c.want);
    });
  }

  it('rejects an invalid date as internal', () => {
    assert.throws(() => expandTemplate('{time}', ROOM, new Date(Number.NaN)), {
      code: 'internal',
    });
  });
});

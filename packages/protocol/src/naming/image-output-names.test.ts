import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImageFileSuffix } from '@livekit/protocol';
import { imageOutputNames } from './image-output-names.js';
import type { NamingVars } from './naming-vars.js';

process.env.TZ = 'UTC';
const NOW = new Date(Date.UTC(2024, 2, 5, 14, 7, 9, 42));
const CAPTURED = new Date(Date.UTC(2024, 2, 5, 14, 8, 0, 500));
const TIME = '2024-03-05T140709';
const ROOM: NamingVars = { roomName: 'my-room', roomId: 'RM_abc' };

interface Input {
  prefix: string;
  suffix?: ImageFileSuffix;
  vars?: NamingVars;
}
interface Names {
  storageDir: string;
  imagePrefix: string;
  infoFilenamePrefix: string;
  imagePattern: string;
  third: string;
}
type Want = Names | { code: string; message: string | RegExp };

function names(input: Input) {
  return imageOutputNames({
    output: {
      filenamePrefix: input.prefix,
      filenameSuffix: input.suffix ?? ImageFileSuffix.IMAGE_SUFFIX_INDEX,
    },
    identifier: 'my-room',
    vars: input.vars ?? ROOM,
    now: NOW,
  });
}

describe('imageOutputNames', () => {
  const cases: { name: string; input: Input; want: Want }[] = [
    {
      name: 'generates <identifier>-<time> when no prefix is given',
      input: { prefix: '' },
      want: {
        storageDir: '',
        imagePrefix: `my-room-${TIME}`,
        infoFilenamePrefix: '',
        imagePattern: `my-room-${TIME}_%05d.jpeg`,
        third: `my-room-${TIME}_00002.jpeg`,
      },
    },
    {
      name: 'adds the retry count to a generated prefix',
      input: { prefix: 'thumbs/', vars: { ...ROOM, retryCount: 2 } },
      want: {
        storageDir: 'thumbs/',
        imagePrefix: `my-room-${TIME}-2`,
        infoFilenamePrefix: 'thumbs/',
        imagePattern: `my-room-${TIME}-2_%05d.jpeg`,
        third: `my-room-${TIME}-2_00002.jpeg`,
      },
    },
    {
      name: 'splits the folder off a prefix and stores under it',
      input: { prefix: 'thumbs/room' },
      want: {
        storageDir: 'thumbs/',
        imagePrefix: 'room',
        infoFilenamePrefix: 'thumbs/room',
        imagePattern: 'room_%05d.jpeg',
        third: 'room_00002.jpeg',
      },
    },
    {
      name: 'names TIMESTAMP images <prefix>_<YYYYMMDDhhmmss><ms>.jpeg in UTC',
      input: { prefix: 'img', suffix: ImageFileSuffix.IMAGE_SUFFIX_TIMESTAMP },
      want: {
        storageDir: '',
        imagePrefix: 'img',
        infoFilenamePrefix: 'img',
        imagePattern: 'img_%05d.jpeg',
        third: 'img_20240305140800500.jpeg',
      },
    },
    {
      name: 'names NONE_OVERWRITE images <prefix>.jpeg',
      input: { prefix: 'live/latest', suffix: ImageFileSuffix.IMAGE_SUFFIX_NONE_OVERWRITE },
      want: {
        storageDir: 'live/',
        imagePrefix: 'latest',
        infoFilenamePrefix: 'live/latest',
        imagePattern: 'latest_%05d.jpeg',
        third: 'latest.jpeg',
      },
    },
    {
      name: 'expands placeholders and strips leading ../',
      input: { prefix: '../../{room_name}/{room_id}' },
      want: {
        storageDir: 'my-room/',
        imagePrefix: 'RM_abc',
        infoFilenamePrefix: 'my-room/RM_abc',
        imagePattern: 'RM_abc_%05d.jpeg',
        third: 'RM_abc_00002.jpeg',
      },
    },
    {
      name: 'escapes % in the multifilesink pattern only',
      input: { prefix: 'a%d' },
      want: {
        storageDir: '',
        imagePrefix: 'a%d',
        infoFilenamePrefix: 'a%d',
        imagePattern: 'a%%d_%05d.jpeg',
        third: 'a%d_00002.jpeg',
      },
    },
    {
      name: 'keeps emoji in a prefix',
      input: { prefix: '📸/snap' },
      want: {
        storageDir: '📸/',
        imagePrefix: 'snap',
        infoFilenamePrefix: '📸/snap',
        imagePattern: 'snap_%05d.jpeg',
        third: 'snap_00002.jpeg',
      },
    },
    {
      name: 'rejects an unknown suffix with Go text',
      input: { prefix: 'x', suffix: 7 as ImageFileSuffix },
      want: {
        code: 'invalid_argument',
        message: 'request has missing or invalid field: filename_suffix',
      },
    },
    {
      name: 'rejects a NUL byte in the prefix',
      input: { prefix: 'x\0' },
      want: { code: 'invalid_argument', message: /^filename_prefix contains a control character/ },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if ('code' in c.want) {
        assert.throws(() => names(c.input), { code: c.want.code, message: c.want.message });
        return;
      }
      const got = names(c.input);
      assert.deepEqual(
        {
          storageDir: got.storageDir,
          imagePrefix: got.imagePrefix,
          infoFilenamePrefix: got.infoFilenamePrefix,
          imagePattern: got.imagePattern,
          third: got.imageName(2, CAPTURED),
        },
        c.want,
      );
    });
  }

  it('rejects a fractional image index', () => {
    assert.throws(() => names({ prefix: 'x' }).imageName(1.5, NOW), { code: 'internal' });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAdminAuthorized } from './basic-auth.js';

const admin = { username: 'ops', password: 'pa:ss word' };
const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('isAdminAuthorized', () => {
  const cases: { name: string; input: string | undefined; want: boolean }[] = [
    { name: 'accepts the right user and password', input: basic('ops:pa:ss word'), want: true },
    {
      name: 'accepts a lowercase scheme',
      input: `basic ${basic('ops:pa:ss word').slice(6)}`,
      want: true,
    },
    { name: 'refuses a wrong password', input: basic('ops:pa:ss wor'), want: false },
    { name: 'refuses a wrong user', input: basic('op:pa:ss word'), want: false },
    { name: 'refuses credentials without a colon', input: basic('opspa'), want: false },
    { name: 'refuses a bearer token', input: 'Bearer abc', want: false },
    { name: 'refuses garbage base64', input: 'Basic ***', want: false },
    { name: 'refuses no header', input: undefined, want: false },
    { name: 'refuses an empty header', input: '', want: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(isAdminAuthorized(c.input, admin), c.want);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LAYOUT, layoutFromMetadata, parseLayout } from './layout.js';

describe('parseLayout', () => {
  const cases = [
    { name: 'reads grid-dark', input: 'grid-dark', want: 'grid-dark' },
    { name: 'reads grid-light', input: 'grid-light', want: 'grid-light' },
    { name: 'reads speaker-dark', input: 'speaker-dark', want: 'speaker-dark' },
    { name: 'reads speaker-light', input: 'speaker-light', want: 'speaker-light' },
    {
      name: 'reads single-speaker-dark',
      input: 'single-speaker-dark',
      want: 'single-speaker-dark',
    },
    {
      name: 'reads single-speaker-light',
      input: 'single-speaker-light',
      want: 'single-speaker-light',
    },
    { name: 'makes a bare name dark', input: 'speaker', want: 'speaker-dark' },
    {
      name: 'makes bare single-speaker dark',
      input: 'single-speaker',
      want: 'single-speaker-dark',
    },
    { name: 'ignores case and spaces', input: '  Speaker-LIGHT ', want: 'speaker-light' },
    { name: 'turns an empty value into grid-dark', input: '', want: 'grid-dark' },
    { name: 'turns a missing value into grid-dark', input: null, want: 'grid-dark' },
    { name: 'turns an unknown name into grid-dark', input: 'mosaic-light', want: 'grid-dark' },
    { name: 'turns a bare theme into grid-dark', input: '-light', want: 'grid-dark' },
    { name: 'turns a doubled theme into grid-dark', input: 'grid-light-dark', want: 'grid-dark' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(parseLayout(c.input).value, c.want);
    });
  }

  it('splits the value into name and theme', () => {
    assert.deepEqual(parseLayout('single-speaker-light'), {
      name: 'single-speaker',
      theme: 'light',
      value: 'single-speaker-light',
    });
  });

  it('returns the default layout object for an unknown value', () => {
    assert.deepEqual(parseLayout('nope'), DEFAULT_LAYOUT);
  });
});

describe('layoutFromMetadata', () => {
  const cases = [
    {
      name: 'reads the layout livekit-server writes',
      input: '{"layout":"speaker-light"}',
      want: 'speaker-light',
    },
    { name: 'keeps other keys out of the way', input: '{"a":1,"layout":"grid"}', want: 'grid' },
    { name: 'ignores empty metadata', input: '', want: undefined },
    { name: 'ignores missing metadata', input: undefined, want: undefined },
    { name: 'ignores metadata that is not JSON', input: 'hello', want: undefined },
    { name: 'ignores a JSON string', input: '"speaker"', want: undefined },
    { name: 'ignores JSON null', input: 'null', want: undefined },
    { name: 'ignores an object without layout', input: '{"x":"speaker"}', want: undefined },
    { name: 'ignores an empty layout', input: '{"layout":""}', want: undefined },
    { name: 'ignores a layout that is not a string', input: '{"layout":3}', want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(layoutFromMetadata(c.input), c.want);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EGRESS_ID_PATTERN, GUID_ALPHABET, newEgressId, newGuid } from './egress-id.js';

describe('newEgressId', () => {
  it('makes EG_ plus 12 characters of the Go alphabet', () => {
    for (let i = 0; i < 200; i++) {
      const id = newEgressId();
      assert.match(id, EGRESS_ID_PATTERN);
    }
  });

  it('never repeats an id in many draws', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newEgressId()));
    assert.equal(ids.size, 2000);
  });

  it('uses the 57-character shortuuid alphabet without look-alike characters', () => {
    assert.equal(GUID_ALPHABET.length, 57);
    assert.equal(new Set(GUID_ALPHABET).size, 57);
    for (const ch of '01IOl') assert.ok(!GUID_ALPHABET.includes(ch), ch);
    assert.match(newGuid('EGH_'), /^EGH_[2-9A-HJ-NP-Za-km-z]{12}$/);
  });
});

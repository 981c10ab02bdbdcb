import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '@egress/protocol';
import { CloseSteps } from './close-steps.js';

const logger = createLogger({ service: 'test', level: 'silent' });

describe('CloseSteps', () => {
  it('runs every step once, last added first, even after one fails', async () => {
    const ran: string[] = [];
    const steps = new CloseSteps({ logger });
    steps.add('redis', () => void ran.push('redis'));
    steps.add('worker', () => {
      ran.push('worker');
      throw new Error('worker close failed');
    });
    steps.add('intake', async () => void ran.push('intake'));
    const first = steps.close();
    assert.equal(steps.close(), first);
    await first;
    await steps.close();
    assert.deepEqual(ran, ['intake', 'worker', 'redis']);
  });
});

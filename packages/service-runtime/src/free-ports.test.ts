import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { findFreePorts } from './free-ports.js';

describe('findFreePorts', () => {
  it('picks distinct ports below the ephemeral range that a server can then bind', async () => {
    const [low] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'))
      .trim()
      .split(/\s+/)
      .map(Number);
    const ports = await findFreePorts(20);
    assert.equal(new Set(ports).size, 20);
    for (const port of ports) {
      assert.ok(port >= 20_000 && port < (low ?? 32_768), `port ${port}`);
    }
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(ports[0], '0.0.0.0', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});

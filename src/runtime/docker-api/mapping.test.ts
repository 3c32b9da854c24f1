// The Docker create body and the log demultiplexer, without an engine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Demuxer } from './demux.ts';
import { toCreateOptions } from './mapping.ts';

test('ports bind to 127.0.0.1 by default and hostPort 0 asks the engine for one; networks carry aliases', () => {
  const body = toCreateOptions({
    image: 'app:1',
    ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'udp', hostPort: 5353, hostIp: '0.0.0.0' }],
    network: 'net1',
    networkAliases: ['api'],
    memoryBytes: 1024,
    cpuShares: 256,
    privileged: true,
  });
  assert.deepEqual(body.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.deepEqual(body.HostConfig?.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }], '53/udp': [{ HostIp: '0.0.0.0', HostPort: '5353' }] });
  assert.equal(body.HostConfig?.NetworkMode, 'net1');
  assert.deepEqual(body.NetworkingConfig?.EndpointsConfig?.['net1']?.Aliases, ['api']);
  assert.deepEqual([body.HostConfig?.Memory, body.HostConfig?.CpuShares, body.HostConfig?.Privileged], [1024, 256, true]);
});

test('the demultiplexer reassembles frames split across reads and keeps stdout and stderr apart', () => {
  const frame = (kind: number, text: string): Buffer => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = kind;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };
  const all = Buffer.concat([frame(1, 'out-1\n'), frame(2, 'err-1\n'), frame(1, 'out-2\n')]);
  const d = new Demuxer(false);
  const got = [...d.push(all.subarray(0, 5)), ...d.push(all.subarray(5, 17)), ...d.push(all.subarray(17))];
  assert.deepEqual(got.map((c) => [c.stream, c.data.toString()]), [['stdout', 'out-1\n'], ['stderr', 'err-1\n'], ['stdout', 'out-2\n']]);
  assert.deepEqual(new Demuxer(true).push(Buffer.from('raw')).map((c) => c.stream), ['stdout']);
});

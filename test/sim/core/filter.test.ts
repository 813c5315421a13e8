import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError } from './filter.ts';

const entry = {
  logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity',
  severity: 'NOTICE',
  protoPayload: {
    methodName: 'v1.compute.networks.addPeering',
    serviceName: 'compute.googleapis.com',
  },
  resource: { type: 'gce_network' },
};

describe('sink filter (Logging query subset)', () => {
  it.each([
    ['', true],
    ['protoPayload.methodName="v1.compute.networks.addPeering"', true],
    ['protoPayload.methodName="compute.networks.addPeering"', false],
    ['protoPayload.methodName:"networks.addPeering"', true],
    ['protoPayload.methodName:("networks.addPeering" OR "ClusterManager.CreateNodePool")', true],
    ['protoPayload.methodName:("firewalls" OR "ClusterManager")', false],
    ['logName:"cloudaudit.googleapis.com%2Factivity" AND resource.type="gce_network"', true],
    ['logName:"activity" resource.type="gce_subnetwork"', false],
    ['protoPayload.methodName=~"^(v1|beta)\\.compute\\.networks\\."', true],
    ['NOT severity="ERROR"', true],
    ['severity!="NOTICE"', false],
    ['protoPayload.status.code!="0"', true],
  ])('%s -> %s', (filter, want) => {
    expect(compileFilter(filter)(entry)).toBe(want);
  });

  it('throws FilterSyntaxError on what it does not support', () => {
    expect(() => compileFilter('protoPayload.methodName = (unclosed')).toThrow(FilterSyntaxError);
  });
});

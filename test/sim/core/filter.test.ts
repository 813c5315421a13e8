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

const failed = {
  logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity',
  protoPayload: { methodName: 'v1.compute.firewalls.insert', status: { code: 3 } },
};

describe('sink filter (Logging query subset)', () => {
  it.each([
    ['', true],
    ['protoPayload.methodName="v1.compute.networks.addPeering"', true],
    // `=` ignores case, as every string comparison but a regular expression.
    ['protoPayload.methodName="V1.Compute.Networks.AddPeering"', true],
    ['protoPayload.methodName="compute.networks.addPeering"', false],
    ['protoPayload.methodName:"networks.addPeering"', true],
    ['protoPayload.methodName:("networks.addPeering" OR "ClusterManager.CreateNodePool")', true],
    ['protoPayload.methodName:("firewalls" OR "ClusterManager")', false],
    [
      'protoPayload.methodName=("v1.compute.networks.insert" OR "v1.compute.networks.addPeering")',
      true,
    ],
    [
      'protoPayload.methodName=("v1.compute.networks.insert" OR "beta.compute.networks.addPeering")',
      false,
    ],
    ['logName:"cloudaudit.googleapis.com%2Factivity" AND resource.type="gce_network"', true],
    ['logName:"activity" resource.type="gce_subnetwork"', false],
    ['logName:activity', true],
    ['protoPayload.methodName=~"^(v1|beta)\\.compute\\.networks\\."', true],
    ['protoPayload.methodName=~"^V1\\."', false],
    ['NOT severity="ERROR"', true],
    ['severity!="NOTICE"', false],
    // A comparison on a missing field is false, whatever the operator; NOT of it is true.
    ['protoPayload.status.code!="0"', false],
    ['protoPayload.status.code>0', false],
    ['NOT protoPayload.status.code>0', true],
    // NOT binds to the one comparison after it.
    ['NOT protoPayload.status.code>0 AND severity="ERROR"', false],
    [
      'logName:"cloudaudit.googleapis.com%2Factivity"\nAND protoPayload.serviceName=("container.googleapis.com" OR "compute.googleapis.com")\nAND protoPayload.methodName=("v1.compute.networks.removePeering" OR "v1.compute.networks.addPeering")\nAND NOT protoPayload.status.code>0',
      true,
    ],
  ])('%s -> %s', (filter, want) => {
    expect(compileFilter(filter)(entry)).toBe(want);
  });

  it.each([
    ['logName:"cloudaudit.googleapis.com%2Factivity"', true],
    ['logName:"CLOUDAUDIT.googleapis.com%2Factivity"', true],
    ['logName:"data_access"', false],
    ['protoPayload.methodName="v1.compute.firewalls.insert"', true],
    ['protoPayload.methodName="compute.firewalls.insert"', false],
    ['protoPayload.methodName=("a" OR "v1.compute.firewalls.insert")', true],
    // Numbers compare as numbers.
    ['protoPayload.status.code>0', true],
    ['protoPayload.status.code>3', false],
    ['protoPayload.status.code>=3', true],
    ['protoPayload.status.code<10', true],
    ['protoPayload.status.code=3', true],
    ['protoPayload.status.code="3"', true],
    ['NOT protoPayload.status.code>0', false],
    ['NOT protoPayload.missing.code>0', true],
    ['protoPayload.missing="x"', false],
    ['logName:"activity" AND NOT protoPayload.status.code>5', true],
    // OR binds tighter than AND ("Boolean operators" in the reference).
    ['NOT protoPayload.status.code>0 OR protoPayload.methodName:"firewalls"', true],
    ['NOT protoPayload.status.code>0 OR protoPayload.methodName:"routes"', false],
    ['logName:"data_access" AND NOT protoPayload.status.code>0 OR logName:"activity"', false],
    [
      'logName:"activity" AND NOT protoPayload.status.code>0 OR protoPayload.methodName:"v1."',
      true,
    ],
    ['protoPayload.missing="x" OR logName:"activity" AND protoPayload.status.code=3', true],
  ])('failed call: %s -> %s', (filter, want) => {
    expect(compileFilter(filter)(failed)).toBe(want);
  });

  it.each([
    'protoPayload.methodName = (unclosed',
    'OR a="x"',
    'a="x" OR',
    '(a="x")',
    'a="x" AND',
    'NOT',
    'a>"x"',
  ])('throws FilterSyntaxError outside the subset: %s', (text) => {
    expect(() => compileFilter(text)).toThrow(FilterSyntaxError);
  });
});

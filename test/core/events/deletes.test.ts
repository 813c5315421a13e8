/**
 * GKE's deletes wait on peerlink: a node pool's or cluster's groups cannot be deleted while
 * peerlink's backend service lists them, so the first record of DeleteNodePool and
 * DeleteCluster reconciles at once, and a failed record reconciles too. The entries are the
 * real GKE samples in shared/events, parsed as they are, with only the method (and for the
 * failure the status) changed: no public sample of a delete exists.
 */
import { describe, expect, it } from 'vitest';
import { classify, type Trigger } from '../../../functions/core/events/classify.ts';
import { decodeEvent } from '../../../functions/core/events/decode.ts';
import { sharedEvent } from './events-fixtures.ts';

type Entry = {
  operation?: Record<string, unknown>;
  protoPayload: Record<string, unknown>;
};

function variant(file: string, method: string, edit: (e: Entry) => void = () => {}): Trigger {
  const entry = JSON.parse(sharedEvent(file)) as Entry;
  entry.protoPayload.methodName = `google.container.v1.ClusterManager.${method}`;
  edit(entry);
  return classify(decodeEvent(entry));
}

/** The real first and last records of a node-pool and a cluster operation. */
const POOL = { first: 'nodepool_creation_started.json', last: 'nodepool_creation_finished.json' };
const CLUSTER = { first: 'cluster_creation_started.json', last: 'cluster_creation_finished.json' };

// GKE's status codes on a failed operation's last record (google.rpc.Code): 9 is
// FAILED_PRECONDITION, what a delete meets while a group is a backend.
const failedLast = (e: Entry) => {
  e.protoPayload.status = {
    code: 9,
    message:
      "(1) Google Compute Engine: The instance_template resource 'projects/p/global/instanceTemplates/t' is already being used by 'projects/p/zones/z/instanceGroupManagers/g'",
  };
};

describe('deletes of node pools and clusters', () => {
  it("DeleteNodePool's first record reconciles the pool's cluster at once", () => {
    const t = variant(POOL.first, 'DeleteNodePool');
    expect(t).toMatchObject({
      action: 'reconcile',
      kind: 'nodePool',
      project: 'your-project-id',
      scope: { location: 'us-central1-a', cluster: 'gke-basic-1', nodePool: 'default' },
    });
    expect(t.reason).toMatch(/DeleteNodePool operation operation-\S+ started; reconciling before/);
  });

  it("DeleteCluster's first record reconciles at once", () => {
    expect(variant(CLUSTER.first, 'DeleteCluster')).toMatchObject({
      action: 'reconcile',
      kind: 'cluster',
      scope: { location: 'us-central1-a', cluster: 'gke-basic-1' },
    });
  });

  it.each([
    ['DeleteNodePool', POOL.last, 'nodePool'],
    ['DeleteCluster', CLUSTER.last, 'cluster'],
  ])('a failed last record of %s reconciles, with the failure as reason', (method, file, kind) => {
    const t = variant(file, method, failedLast);
    expect(t).toMatchObject({ action: 'reconcile', kind });
    expect(t.reason).toMatch(
      new RegExp(
        `ClusterManager\\.${method} failed with status 9: \\(1\\) Google Compute Engine: .*already being used by.*; reconciling what it left`,
      ),
    );
  });

  it('a successful last record of a delete reconciles as before', () => {
    expect(variant(POOL.last, 'DeleteNodePool').action).toBe('reconcile');
  });

  it('a delete refused at once (a single record with an error) reconciles too', () => {
    const t = variant('cluster_creation_started_with_error.json', 'DeleteCluster');
    expect(t.action).toBe('reconcile');
  });

  it('other methods keep waiting for the last record and ignoring failures', () => {
    expect(variant(POOL.first, 'CreateNodePool').action).toBe('defer');
    expect(variant(POOL.first, 'UpdateNodePool').action).toBe('defer');
    expect(variant(POOL.last, 'CreateNodePool', failedLast).action).toBe('ignore');
    expect(variant('cluster_creation_started_with_error.json', 'CreateCluster').action).toBe(
      'ignore',
    );
  });

  it('the v1beta1 form is the same method', () => {
    const entry = JSON.parse(sharedEvent(POOL.first)) as Entry;
    entry.protoPayload.methodName = 'google.container.v1beta1.ClusterManager.DeleteNodePool';
    expect(classify(decodeEvent(entry)).action).toBe('reconcile');
  });
});

describe('methods that change a cluster instance groups', () => {
  it.each([
    ['SetNodePoolSize', POOL, 'nodePool', 'defer'],
    ['UpdateNodePool', POOL, 'nodePool', 'defer'],
    // These delete one colour's groups of a blue-green upgrade: at once, as a delete.
    ['RollbackNodePoolUpgrade', POOL, 'nodePool', 'reconcile'],
    ['CompleteNodePoolUpgrade', POOL, 'nodePool', 'reconcile'],
    ['UpdateCluster', CLUSTER, 'cluster', 'defer'],
    ['SetLocations', CLUSTER, 'cluster', 'defer'],
  ])('%s: the first record %ss, the last reconciles the cluster', (method, files, kind, first) => {
    expect(variant(files.first, method)).toMatchObject({ action: first, kind });
    const last = variant(files.last, method);
    expect(last).toMatchObject({ action: 'reconcile', kind, scope: { cluster: 'gke-basic-1' } });
  });
});

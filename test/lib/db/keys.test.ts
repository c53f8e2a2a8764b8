import { describe, expect, it } from 'vitest';
import { AUTO_TOPUP_SK_PREFIX, collectionIdFromSortKey, keys, SWEEP_INDEX_SHARDS } from '#lib/db/keys';
import { newId } from '#lib/ids';

describe('the keys of the single table', () => {
  it("puts each kind of an account's items under a sort-key prefix of its own, which lists it and nothing else", () => {
    // Arrange
    const listings = {
      video: [keys.video('acc_1', 'vid_1'), keys.videosOf('acc_1')],
      job: [keys.job('acc_1', 'job_1'), keys.jobsOf('acc_1')],
      apiKey: [keys.apiKey('acc_1', 'key_1'), keys.apiKeysOf('acc_1')],
      collection: [keys.collection('acc_1', 'col_1'), keys.collectionsOf('acc_1')],
      ledger: [keys.ledgerEntry('acc_1', 'txn_1'), keys.ledgerOf('acc_1')],
      event: [keys.accountEvent('acc_1', 'evt_1'), keys.accountEventsOf('acc_1')],
      feedback: [keys.searchFeedback('acc_1', 'vid_1@0'), keys.searchFeedbackOf('acc_1')],
      clicks: [keys.clickCount('acc_1', 'harbour', 'vid_1'), keys.clickCountsOf('acc_1', 'harbour')],
    } as const;

    // Act
    const matches = Object.entries(listings).map(([kind, [item]]) => ({
      kind,
      listedBy: Object.entries(listings)
        .filter(([, [, listing]]) => item.PK === listing.PK && item.SK.startsWith(listing.SKPrefix))
        .map(([listingKind]) => listingKind),
    }));

    // Assert
    expect(matches).toEqual(Object.keys(listings).map((kind) => ({ kind, listedBy: [kind] })));
    expect(keys.account('acc_1').PK).toBe(keys.videosOf('acc_1').PK);
    expect(keys.collectionNameGuard('acc_1', 'holidays').SK.startsWith(keys.collectionsOf('acc_1').SKPrefix)).toBe(false);
    expect(keys.autoTopUpRequest('acc_1', 'atu_1').SK.startsWith(AUTO_TOPUP_SK_PREFIX)).toBe(true);
    // A query's click counts are not listed by a shorter query that starts it.
    expect(keys.clickCount('acc_1', 'harbour view', 'vid_1').SK.startsWith(keys.clickCountsOf('acc_1', 'harbour').SKPrefix)).toBe(false);
  });

  it('reads a collection id back from its sort key', () => {
    // Act / Assert
    expect(collectionIdFromSortKey(keys.collection('acc_1', 'col_01ABC').SK)).toBe('col_01ABC');
  });

  it('bounds the open uploads of an instant: those expiring then are included, later ones are not', () => {
    // Arrange
    const [{ SKBefore: bound }] = keys.openUploadsBefore('2026-08-04T00:00:00.000Z');

    // Act / Assert
    expect(keys.openUpload('2026-08-04T00:00:00.000Z', 'upl_01ZZZ').SK < bound).toBe(true);
    expect(keys.openUpload('2026-08-03T23:59:59.999Z', 'upl_01').SK < bound).toBe(true);
    expect(keys.openUpload('2026-08-04T00:00:00.001Z', 'upl_01').SK < bound).toBe(false);
  });

  it('bounds pending auto top-ups strictly before an instant', () => {
    // Arrange
    const bound = keys.autoTopUpsPendingBefore('2026-11-10T00:00:00.000Z').GSI1SKBefore;

    // Act / Assert
    expect(keys.autoTopUpPendingIndex('2026-11-09T23:59:59.999Z', 'atu_1').GSI1SK < bound).toBe(true);
    expect(keys.autoTopUpPendingIndex('2026-11-10T00:00:00.000Z', 'atu_1').GSI1SK < bound).toBe(false);
  });

  it('spreads the sweep indexes (pending events, due deliveries) over every shard, each of which the sweep reads', () => {
    // Arrange
    const eventIds = Array.from({ length: 400 }, () => newId('event'));
    const deliveryIds = Array.from({ length: 400 }, () => newId('delivery'));
    const pendingRead = keys.accountEventsPending().map((partition) => partition.GSI1PK);
    const dueRead = keys.webhookDeliveriesDueBefore('2026-08-04T00:00:00.000Z').map((range) => range.GSI1PK);

    // Act
    const pendingWritten = eventIds.map((id) => keys.accountEventPendingIndex('2026-08-04T00:00:00.000Z', id).GSI1PK);
    const dueWritten = deliveryIds.map((id) => keys.webhookDeliveryDueIndex('2026-08-04T00:00:00.000Z', id).GSI1PK);

    // Assert
    expect(SWEEP_INDEX_SHARDS).toBeGreaterThan(1);
    expect(new Set(pendingWritten)).toEqual(new Set(pendingRead));
    expect(new Set(dueWritten)).toEqual(new Set(dueRead));
    expect(pendingRead).toHaveLength(SWEEP_INDEX_SHARDS);
    // No shard takes more than twice its share; the unsplit names (rows listed before the split) are among those read.
    const largestShare = Math.max(...pendingRead.map((partition) => pendingWritten.filter((written) => written === partition).length));
    expect(largestShare).toBeLessThan((2 * eventIds.length) / SWEEP_INDEX_SHARDS);
    expect(pendingRead).toContain('EVENTS_PENDING');
    expect(dueRead).toContain('WEBHOOKS_DUE');
  });

  it('spreads open uploads and idempotency records (every tenant writes them) over the shards, and the upload sweep reads every one', () => {
    // Arrange
    const uploadIds = Array.from({ length: 400 }, () => newId('upload'));
    const scopes = Array.from({ length: 400 }, (_, index) => `${newId('account')}:key-${index}`);
    const uploadsRead = keys.openUploadsBefore('2026-08-04T00:00:00.000Z').map((range) => range.PK);

    // Act
    const uploadsWritten = uploadIds.map((id) => keys.openUpload('2026-08-03T00:00:00.000Z', id).PK);
    const idempotencyWritten = scopes.map((scope) => keys.idempotencyPartition(scope));

    // Assert
    expect(new Set(uploadsWritten)).toEqual(new Set(uploadsRead));
    expect(uploadsRead).toHaveLength(SWEEP_INDEX_SHARDS);
    expect(uploadsRead).toContain('OPEN_UPLOADS');
    expect(new Set(idempotencyWritten).size).toBe(SWEEP_INDEX_SHARDS);
    expect(keys.idempotencyPartition(scopes[0] ?? '')).toBe(idempotencyWritten[0]);
    for (const partition of uploadsRead)
      expect(uploadsWritten.filter((written) => written === partition).length).toBeLessThan((2 * uploadIds.length) / SWEEP_INDEX_SHARDS);
    // The same id always lands in the same shard.
    expect(keys.accountEventPendingIndex('x', 'evt_1').GSI1PK).toBe(keys.accountEventPendingIndex('y', 'evt_1').GSI1PK);
  });
});

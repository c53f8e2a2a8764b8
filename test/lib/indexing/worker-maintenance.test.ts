import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';

const indexDirectory = vi.hoisted(() => {
  // In this file's own temp folder (test/support/per-file-env.ts), before config is read.
  const directory = `${process.env.FRAMESEEK_TEST_DATA_DIR ?? ''}/index`;
  process.env.FRAMESEEK_INDEX_URI = directory;
  return directory;
});

import { handleIndexMessage } from '#lib/indexing/worker';
import { INDEX_MAINTENANCE_MESSAGE } from '#lib/indexing/queue';
import { searchIndex } from '#lib/search/index';
import { spoken } from '#test/support/segment-rows';

afterAll(() => rmSync(indexDirectory, { recursive: true, force: true }));

describe('the index worker’s maintenance message', () => {
  it('compacts the fragments that many small commits left, and changes no answer', async () => {
    // Arrange: one commit per video, as finalising jobs make them.
    const index = searchIndex();
    for (const video of ['vid_1', 'vid_2', 'vid_3', 'vid_4']) await index.replaceVideo('acc_1', video, [spoken(0, `lighthouse keeper ${video}`, { video })]);
    const before = await index.matchText({ accountId: 'acc_1' }, ['transcript'], 'lighthouse', 10);

    // Act
    await handleIndexMessage(INDEX_MAINTENANCE_MESSAGE, { attempt: 1, isLast: false });

    // Assert: a second upkeep right after finds one fragment, and search answers as before.
    const [text] = await index.optimize();
    expect(text).toMatchObject({ table: 'segments_text', rows: 4, fragmentsBefore: 1, fragmentsAfter: 1 });
    const after = await index.matchText({ accountId: 'acc_1' }, ['transcript'], 'lighthouse', 10);
    expect(after.map((hit) => hit.row.id).sort()).toEqual(before.map((hit) => hit.row.id).sort());
    expect(after).toHaveLength(4);
  });
});

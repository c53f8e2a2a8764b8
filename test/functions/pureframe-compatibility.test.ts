import { describe, expect, it } from 'vitest';
import { errorOf, useTestApi } from '#test/support/api';

/**
 * A client written for PureFrame v1 works unchanged against Frameseek (api.md, first lines; issue 24).
 * Each block drives one difference the issue measured, the way PureFrame's documentation sends it.
 */
const api = useTestApi();

describe('a key written for PureFrame (pf_…)', () => {
  it('is INVALID_API_KEY, exactly like an unknown Frameseek key, not UNAUTHORIZED', async () => {
    const pureFrameKey = await api.get('/v1/collections', { token: `pf_live_${'a1B2'.repeat(8)}` });
    const unknownKey = await api.get('/v1/collections', { token: `fsk_${'A'.repeat(43)}` });

    expect([pureFrameKey.status, errorOf(pureFrameKey).code]).toEqual([401, 'INVALID_API_KEY']);
    expect(errorOf(pureFrameKey).message).toBe(errorOf(unknownKey).message);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfig } from '#lib/config';

describe('config', () => {
  it('refuses fault switches in the prod stage', () => {
    expect(() => parseConfig({ FRAMESEEK_STAGE: 'prod', FRAMESEEK_FAULTS: 'internal_error' })).toThrow(/refused in the prod stage/);
  });

  it('parses fault switches with targets elsewhere', () => {
    const config = parseConfig({ FRAMESEEK_STAGE: 'test', FRAMESEEK_FAULTS: 'internal_error:getAccount, collection_sweep_interrupted' });

    expect(config.FRAMESEEK_FAULTS).toEqual([
      { name: 'internal_error', target: 'getAccount' },
      { name: 'collection_sweep_interrupted', target: undefined },
    ]);
  });

  it('names the variable that is wrong', () => {
    expect(() => parseConfig({ FRAMESEEK_STAGE: 'staging' })).toThrow(/FRAMESEEK_STAGE/);
    expect(() => parseConfig({ FRAMESEEK_FAULTS: 'melt_down' })).toThrow(/FRAMESEEK_FAULTS/);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfig } from '#lib/config';
import { SCRYPT_LOG2_N } from '#lib/auth/secrets';

describe('config', () => {
  it('refuses fault switches in the prod stage', () => {
    expect(() => parseConfig({ FRAMESEEK_STAGE: 'prod', FRAMESEEK_FAULTS: 'internal_error' })).toThrow(/refused in the prod stage/);
  });

  it("hashes passwords at OWASP's scrypt minimum unless a stage other than prod lowers it", () => {
    const prodCursorSecret = { FRAMESEEK_CURSOR_SECRET: 'a-prod-cursor-secret-of-at-least-32-characters' };
    expect(SCRYPT_LOG2_N).toBe(17);
    expect(parseConfig({ FRAMESEEK_STAGE: 'prod', ...prodCursorSecret }).FRAMESEEK_SCRYPT_LOG2_N).toBeUndefined();
    expect(parseConfig({ FRAMESEEK_STAGE: 'test', FRAMESEEK_SCRYPT_LOG2_N: '12' }).FRAMESEEK_SCRYPT_LOG2_N).toBe(12);
    expect(() => parseConfig({ FRAMESEEK_STAGE: 'prod', FRAMESEEK_SCRYPT_LOG2_N: '12', ...prodCursorSecret })).toThrow(
      /FRAMESEEK_SCRYPT_LOG2_N: a password-hash cost override is refused in the prod stage/,
    );
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

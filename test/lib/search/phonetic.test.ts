import { describe, expect, it } from 'vitest';
import { phoneticKey, phonesKey } from '#lib/search/phonetic';

describe('phoneticKey', () => {
  it('gives sound-alikes one key from the CMU dictionary: stress dropped, near phones merged', () => {
    expect(phoneticKey('lute')).toBe(phoneticKey('loot'));
    expect(phoneticKey('kettle')).toBe('ketal');
    expect(phonesKey('K AE1 CH') + phonesKey('AO1 L')).toBe('kecal');
    expect(phoneticKey('saddles')).not.toBe(phoneticKey('sandals'));
  });

  it('has no key for a word outside the dictionary, nor for any word without the dictionary', () => {
    expect(phoneticKey('qzxv')).toBeUndefined();
    expect(phoneticKey('kettle', '/nonexistent/cmudict.dict')).toBeUndefined();
  });
});

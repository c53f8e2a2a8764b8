import { describe, expect, it } from 'vitest';
import { containsPhrase, interpretQuery } from '#lib/search/interpret';

describe('interpretQuery', () => {
  it('leaves a plain query as it is, naming no modes, phrases or time', () => {
    expect(interpretQuery('orange cat on a sofa')).toEqual({
      query: 'orange cat on a sofa',
      modes: null,
      exact_phrases: [],
      after_secs: null,
      collection: null,
      collection_found: null,
    });
  });

  it('takes a quoted phrase as an exact phrase and still searches its words', () => {
    expect(interpretQuery('the intro with "welcome back everyone" in it')).toEqual({
      query: 'the intro with welcome back everyone in it',
      modes: null,
      exact_phrases: ['welcome back everyone'],
      after_secs: null,
      collection: null,
      collection_found: null,
    });
    expect(interpretQuery('“quarterly   results”').exact_phrases).toEqual(['quarterly results']);
  });

  it('reads "says …" and "said …" as speech, searching what was said', () => {
    expect(interpretQuery('the chef says add a pinch of salt')).toMatchObject({ query: 'add a pinch of salt', modes: ['transcript'] });
    expect(interpretQuery('where someone said that the bridge is closed')).toMatchObject({ query: 'the bridge is closed', modes: ['transcript'] });
  });

  it('reads "on screen …" and "written …" as on-screen text, also when the words come first', () => {
    expect(interpretQuery('on screen: SALE 50% off')).toMatchObject({ query: 'SALE 50% off', modes: ['ocr'] });
    expect(interpretQuery('the words exit only written on the screen')).toMatchObject({ query: 'exit only', modes: ['ocr'] });
    expect(interpretQuery('"Chapter 3" written')).toMatchObject({ query: 'Chapter 3', modes: ['ocr'], exact_phrases: ['Chapter 3'] });
    expect(interpretQuery('on-screen text reading open late')).toMatchObject({ query: 'reading open late', modes: ['ocr'] });
  });

  it('names both modes when the wording has both cues, searching the words once', () => {
    expect(interpretQuery('she says "thank you" on screen')).toEqual({
      query: 'thank you',
      modes: ['transcript', 'ocr'],
      exact_phrases: ['thank you'],
      after_secs: null,
      collection: null,
      collection_found: null,
    });
  });

  it('does not read a cue inside quotes', () => {
    expect(interpretQuery('"he said no"')).toEqual({
      query: 'he said no',
      modes: null,
      exact_phrases: ['he said no'],
      after_secs: null,
      collection: null,
      collection_found: null,
    });
  });

  it('reads "after N minutes/seconds" as the earliest start, in seconds, and takes it out of the query', () => {
    expect(interpretQuery('goal celebration after 2 minutes')).toMatchObject({ query: 'goal celebration', after_secs: 120 });
    expect(interpretQuery('after 90 seconds the host says goodbye')).toMatchObject({ query: 'goodbye', modes: ['transcript'], after_secs: 90 });
    expect(interpretQuery('after five min, fireworks').after_secs).toBe(300);
    expect(interpretQuery('after 1.5 hours').after_secs).toBe(5400);
    expect(interpretQuery('after the break').after_secs).toBeNull();
  });

  it('keeps the whole query when taking the instructions out would leave nothing', () => {
    expect(interpretQuery('says')).toMatchObject({ query: 'says', modes: ['transcript'] });
  });

  it('reads "in <collection>" as one of the given collection names, the longest that fits, quoted or not', () => {
    const names = ['Holiday', 'Holiday 2024', 'Trips'];

    expect(interpretQuery('dog on the beach in holiday 2024', names)).toMatchObject({
      query: 'dog on the beach',
      collection: 'Holiday 2024',
      collection_found: true,
    });
    expect(interpretQuery('in "Trips" she says hello', names)).toMatchObject({ query: 'hello', modes: ['transcript'], exact_phrases: [], collection: 'Trips' });
    expect(interpretQuery('fireworks in the Trips collection after 2 minutes', names)).toMatchObject({
      query: 'fireworks',
      after_secs: 120,
      collection: 'Trips',
    });
    expect(interpretQuery('in collection Holiday, a sunset', names)).toMatchObject({ query: 'a sunset', collection: 'Holiday' });
  });

  it('reports wording that plainly names a collection as not found when none is called that, and leaves other "in"s alone', () => {
    expect(interpretQuery('cat in the Xmas collection', ['Trips'])).toMatchObject({ query: 'cat', collection: 'Xmas', collection_found: false });
    expect(interpretQuery('cat in collection "Old tapes"', [])).toMatchObject({ query: 'cat', collection: 'Old tapes', collection_found: false });
    expect(interpretQuery('a man in a red coat in the park', ['Trips'])).toMatchObject({ query: 'a man in a red coat in the park', collection: null });
    expect(interpretQuery('a trip in Tripsville', ['Trips']).collection).toBeNull();
  });

  it('reads the same sentence the same way every time', () => {
    const sentence = 'after 3 minutes the presenter said "next slide" on screen';

    expect(interpretQuery(sentence)).toEqual(interpretQuery(sentence));
  });
});

describe('containsPhrase', () => {
  it('matches word for word, whatever the case, accents and punctuation between words', () => {
    expect(containsPhrase('Welcome back, everyone!', 'welcome back')).toBe(true);
    expect(containsPhrase('Le café est fermé', 'cafe est')).toBe(true);
    expect(containsPhrase('welcome to the backpack shop', 'welcome back')).toBe(false);
    expect(containsPhrase('a backpack', 'back')).toBe(false);
  });
});

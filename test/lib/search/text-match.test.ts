import { describe, expect, it } from 'vitest';
import { TextMatcher } from '#lib/search/text-match';
import { textRow } from '#test/support/segment-rows';

/**
 * The in-memory matcher answers as the index's full-text search does: these cases are those of
 * test/lib/search/lance-index.test.ts (matchText), plus the typo bounds the search tests rely on.
 */
const ids = (hits: { row: { id: string } }[]) => hits.map((hit) => hit.row.id);

const library = [
  textRow(0, 'the quick brown fox jumps over the lazy dog'),
  textRow(5, 'an elephant walks into the room'),
  textRow(10, 'a fox, a fox, another fox'),
  textRow(15, 'the transcription service is running'),
  textRow(20, 'brown paper bags', {}, 'ocr'),
  textRow(25, 'quick thinking saves the day'),
  textRow(30, 'a brave hippopotamus swimming'),
  textRow(35, 'grandmother tells us stories by the fire'),
  textRow(40, 'a heavy storm rolls in'),
];

describe('TextMatcher', () => {
  const matcher = new TextMatcher(library);
  const search = (query: string, limit = 3) => ids(matcher.match({ accountId: 'acc_1' }, ['transcript', 'ocr'], query, limit));

  it('ranks by BM25: more and rarer matching words score higher, every score positive', () => {
    const fox = matcher.match({ accountId: 'acc_1' }, ['transcript', 'ocr'], 'fox', 10);
    const phrase = matcher.match({ accountId: 'acc_1' }, ['transcript', 'ocr'], 'quick brown fox', 10);

    expect(ids(fox)).toEqual(['vid_1:transcript:10', 'vid_1:transcript:0']);
    expect(ids(phrase)[0]).toBe('vid_1:transcript:0');
    expect(ids(phrase).sort()).toEqual(['vid_1:ocr:20', 'vid_1:transcript:0', 'vid_1:transcript:10', 'vid_1:transcript:25']);
    const scores = phrase.map((hit) => hit.raw_score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores.every((score) => score > 0)).toBe(true);
  });

  it('answers a query after many others exactly as a fresh matcher does', () => {
    // Arrange
    const queries = ['quick brown fox', 'elephnt', 'hippo', 'storm', 'grandmother stories', 'fox'];
    const fresh = queries.map((query) => new TextMatcher(library).match({ accountId: 'acc_1' }, ['transcript', 'ocr'], query, 10));

    // Act: one matcher, each query after all the others
    const reused = [...queries, ...queries].map((query) => matcher.match({ accountId: 'acc_1' }, ['transcript', 'ocr'], query, 10)).slice(queries.length);

    // Assert
    expect(reused).toEqual(fresh);
  });

  it('counts a word however often one row repeats it', () => {
    // Arrange: 65 536 repeats, one past what 16 bits hold
    const chant = new TextMatcher([textRow(0, 'drum '.repeat(65_536).trim()), textRow(5, 'one drum here', {}, 'ocr')]);

    // Act
    const hits = chant.match({ accountId: 'acc_1' }, ['transcript', 'ocr'], 'drum', 10);

    // Assert
    expect(ids(hits)).toEqual(['vid_1:transcript:0', 'vid_1:ocr:5']);
    expect(hits[0]?.raw_score).toBeGreaterThan(hits[1]?.raw_score ?? Infinity);
  });

  it('matches inflections by stem and ignores stop words and case', () => {
    expect(search('stories told')).toContain('vid_1:transcript:35');
    // 'storm' is one typo from 'story', but 'story' was said (as 'stories'): no near spellings are looked up.
    expect(search('story').sort()).toEqual(['vid_1:transcript:35']);
    expect(search('jumping')).toEqual(['vid_1:transcript:0']);
    expect(search('of a to')).toEqual([]);
    expect(search('QUICK Brown')).toContain('vid_1:transcript:0');
  });

  it('tolerates typos, unfinished words and partial words', () => {
    expect(search('quikc brown fox')[0]).toBe('vid_1:transcript:0');
    expect(search('elephan')).toEqual(['vid_1:transcript:5']);
    expect(search('elehpant')).toEqual(['vid_1:transcript:5']);
    expect(search('runnign')).toEqual(['vid_1:transcript:15']);
    expect(search('transcr')).toEqual(['vid_1:transcript:15']);
    expect(search('grandmuther')).toEqual(['vid_1:transcript:35']);
    expect(search('grandmoth')).toEqual(['vid_1:transcript:35']);
    expect(search('hipopotamus')).toEqual(['vid_1:transcript:30']);
    expect(search('zebra')).toEqual([]);
    expect(search('  ?! ')).toEqual([]);
  });

  it('allows one typo up to five letters (a swap counts as one), two from six, and keeps the first letter', () => {
    expect(search('heavi')).toEqual(['vid_1:transcript:40']);
    expect(search('haevy')).toEqual(['vid_1:transcript:40']);
    expect(search('brvae')).toEqual(['vid_1:transcript:30']);
    expect(search('heart')).toEqual([]);
    expect(search('grandmohter')).toEqual(['vid_1:transcript:35']);
    expect(search('elephnat')).toEqual(['vid_1:transcript:5']);
    expect(search('felephant')).toEqual([]);
    expect(search('qrown')).toEqual([]);
  });

  it('restricts to the types asked for, and to the limit', () => {
    expect(ids(matcher.match({ accountId: 'acc_1' }, ['ocr'], 'brown', 10))).toEqual(['vid_1:ocr:20']);
    expect(ids(matcher.match({ accountId: 'acc_1' }, ['transcript'], 'brown', 10))).toEqual(['vid_1:transcript:0']);
    expect(matcher.match({ accountId: 'acc_1' }, [], 'brown', 10)).toEqual([]);
    expect(search('quick brown fox', 2)).toHaveLength(2);
    expect(matcher.match({ accountId: 'acc_1' }, ['transcript'], 'fox', 0)).toEqual([]);
  });

  it('matches each type as its own list, as match() does type by type, partial words included', () => {
    for (const query of ['brown', 'quick brown fox', 'transcr', 'pape']) {
      const each = matcher.matchEach({ accountId: 'acc_1' }, ['transcript', 'ocr'], query, 10);

      expect(ids(each.get('transcript') ?? [])).toEqual(ids(matcher.match({ accountId: 'acc_1' }, ['transcript'], query, 10)));
      expect(ids(each.get('ocr') ?? [])).toEqual(ids(matcher.match({ accountId: 'acc_1' }, ['ocr'], query, 10)));
    }
    expect(ids(matcher.matchEach({ accountId: 'acc_1' }, ['ocr'], 'pape', 10).get('ocr') ?? [])).toEqual(['vid_1:ocr:20']);
  });

  it('answers only inside its scope: account, collection, video', () => {
    const rows = [
      textRow(0, 'shared secret words'),
      textRow(0, 'shared secret words', { video: 'vid_2', collection: 'col_2' }),
      textRow(0, 'shared secret words', { account: 'acc_2', video: 'vid_3' }),
    ];
    const mixed = new TextMatcher(rows);
    const scoped = (scope: Parameters<TextMatcher['match']>[0], query = 'secret') => ids(mixed.match(scope, ['transcript'], query, 10)).sort();

    expect(scoped({ accountId: 'acc_1' })).toEqual(['vid_1:transcript:0', 'vid_2:transcript:0']);
    expect(scoped({ accountId: 'acc_2' }, 'secrte')).toEqual(['vid_3:transcript:0']);
    expect(scoped({ accountId: 'acc_2' }, 'secr')).toEqual(['vid_3:transcript:0']);
    expect(scoped({ accountId: 'acc_1', collectionId: 'col_2' })).toEqual(['vid_2:transcript:0']);
    expect(scoped({ accountId: 'acc_1', videoId: 'vid_1' })).toEqual(['vid_1:transcript:0']);
    expect(scoped({ accountId: 'acc_3' })).toEqual([]);
  });

  it('fills the limit among many matching rows, and hands rows back whole', () => {
    const crowd = new TextMatcher(Array.from({ length: 2000 }, (_, start) => textRow(start, 'common words said again and again')));

    const hits = crowd.match({ accountId: 'acc_1' }, ['transcript'], 'comon', 3);

    expect(hits).toHaveLength(3);
    expect(hits[0]?.row).toMatchObject({ account_id: 'acc_1', video_id: 'vid_1', type: 'transcript', text: 'common words said again and again', end_secs: 5 });
  });

  it('finds a word misheard as a sound-alike, one word or two, when the rest of the phrase does not give the row away', () => {
    // Arrange: the recogniser wrote `catch all` for "kettle" and `man did` for "mended"
    const heard = [
      textRow(0, 'the famous notebook stayed in the garage'),
      textRow(5, 'the famous catch all stayed in the bakery'),
      textRow(10, 'victor polished the crooked ladder'),
      textRow(15, 'rachel man did the crooked ladder'),
    ];
    const bySound = new TextMatcher(heard);
    const bySpelling = new TextMatcher(heard, { phonetic: false });
    const top = (matcher: TextMatcher, query: string) => ids(matcher.match({ accountId: 'acc_1' }, ['transcript'], query, 1));

    // Act
    const kettle = top(bySound, 'the famous kettle');
    const mended = top(bySound, 'mended the crooked ladder');

    // Assert
    expect(kettle).toEqual(['vid_1:transcript:5']);
    expect(mended).toEqual(['vid_1:transcript:15']);
    expect(top(bySpelling, 'the famous kettle')).toEqual(['vid_1:transcript:0']);
    expect(top(bySpelling, 'mended the crooked ladder')).toEqual(['vid_1:transcript:10']);
  });

  it('looks up by sound only a word no row has as heard, and only in transcripts', () => {
    const rows = [textRow(0, 'a lute player'), textRow(5, 'the loot was hidden'), textRow(10, 'CATCH ALL', {}, 'ocr')];
    const matcher = new TextMatcher(rows);
    const found = (query: string) => ids(matcher.match({ accountId: 'acc_1' }, ['transcript', 'ocr'], query, 10));

    expect(found('loot')).toEqual(['vid_1:transcript:5']);
    expect(found('lute')).toEqual(['vid_1:transcript:0']);
    expect(found('kettle')).toEqual([]);
  });
});

/**
 * `natural_language=true` on POST /v1/search (api.md): a small deterministic interpreter that turns
 * wording PureFrame's clients send into what our search takes. No model: the same sentence always
 * reads the same way, and `meta.interpreted` shows the reading, so a surprising one can be seen.
 *
 * - a quoted phrase ("…" or “…”) must appear word for word in a matched transcript or on-screen text;
 * - "says …" / "said …" searches speech (transcript), "on screen …" / "written …" on-screen text (ocr);
 *   the words after the cue are what is searched (before it, when nothing follows: `"SALE" written`);
 * - "after N minutes|seconds" keeps moments that start at or after that time;
 * - "in <collection name>" (one of the caller's own collections, given by the caller; optionally quoted,
 *   "in the … collection", "in collection …") scopes the search to that collection. Wording that plainly
 *   names a collection ("in the X collection", "in collection X") but matches none of them is reported
 *   in `collection` with `collection_found: false`, and the search is not scoped.
 */
import { fold } from '#lib/search/lance-text-query';

export type InterpretedMode = 'transcript' | 'ocr';

export interface Interpretation {
  /** The words searched once the instructions are taken out (the whole query when none are found). */
  query: string;
  /** Modes the wording asks for; null when it names none, so the request's modes stand. */
  modes: InterpretedMode[] | null;
  /** Quoted phrases, each of which a text match must contain word for word. */
  exact_phrases: string[];
  /** "after 2 minutes": the earliest moment asked for, in seconds; null without one. */
  after_secs: number | null;
  /** "in <collection>": the collection named (as the account spells it when found); null without one. */
  collection: string | null;
  /** Whether `collection` is one of the account's collections (false: named, but none is called that). */
  collection_found: boolean | null;
}

const QUOTED = /"([^"]+)"|“([^”]+)”/g;

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
};
const UNIT_SECS: ReadonlyArray<[RegExp, number]> = [
  [/^(?:h|hr|hrs|hours?)$/, 3600],
  [/^(?:m|min|mins|minutes?)$/, 60],
  [/^(?:s|sec|secs|seconds?)$/, 1],
];
const AFTER_TIME = /\bafter\s+(\d+(?:\.\d+)?|[a-z]+)\s*(hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b/i;

/** Longest cues first, so "written on screen" is one cue rather than two. */
const CUES: ReadonlyArray<[RegExp, InterpretedMode]> = [
  [/\bwritten\s+on(?:\s+the)?\s*[- ]?screen\b/i, 'ocr'],
  [/\bon(?:\s+the)?\s*[- ]?screen\b/i, 'ocr'],
  [/\bwritten\b/i, 'ocr'],
  [/\b(?:says|said|saying)\b/i, 'transcript'],
];

/** Words that only join a cue to its content ("says that …", "on screen: the words …"). */
const EDGE_FILLER = /^(?:that|the words?|the text|text|words?|something like|something|someone|somebody|where|when|like)\b\s*/i;

export function interpretQuery(text: string, collectionNames: readonly string[] = []): Interpretation {
  const exactPhrases: string[] = [];
  // The collection first: its name may be quoted ("in "Trip 2024""), and those quotes are not an exact phrase.
  const scope = readCollection(text, collectionNames);
  // Each phrase stands in as a placeholder while the cues are read, so "said" inside quotes is a word, not a cue.
  let rest = scope.rest.replace(QUOTED, (_, straight: string | undefined, curly: string | undefined) => {
    exactPhrases.push(squeeze(straight ?? curly ?? ''));
    return ` ${placeholder(exactPhrases.length - 1)} `;
  });

  let afterSecs: number | null = null;
  const time = rest.match(AFTER_TIME);
  const amount = time ? amountOf(time[1] ?? '') : undefined;
  const unitSecs = time ? UNIT_SECS.find(([unit]) => unit.test((time[2] ?? '').toLowerCase()))?.[1] : undefined;
  if (time && amount !== undefined && unitSecs !== undefined) {
    afterSecs = amount * unitSecs;
    rest = rest.replace(AFTER_TIME, ' ');
  }

  const { query, modes } = readCues(rest);
  // Quoted phrases are searched as words too: a phrase has to be found before it can be checked.
  const restore = (withPlaceholders: string) => squeeze(withPlaceholders.replace(PLACEHOLDER, (_, index: string) => exactPhrases[Number(index)] ?? ''));
  return {
    query: restore(query) || restore(rest) || squeeze(text),
    modes,
    exact_phrases: exactPhrases.filter(Boolean),
    after_secs: afterSecs,
    collection: scope.collection,
    collection_found: scope.collection === null ? null : scope.found,
  };
}

/** Words that may stand between "in" and a name, or after it: "in the Holiday collection", "in my collection X". */
const IN_PREFIX = String.raw`\bin\s+(?:the\s+|my\s+|our\s+)?(?:collection\s+(?:named\s+|called\s+)?)?`;
const COLLECTION_SUFFIX = String.raw`(?:\s+collection)?`;
/** A comma or colon that only closed the name ("in Trips, a sunset"). */
const CLOSING = String.raw`(?:\s*[,:;])?`;
/** Up to four words, none of them "in", after "in the"/"in collection": a name that is plainly a collection's. */
const NAMED_WORDS = String.raw`((?:(?!in\b)[^\s"“”]+\s+){0,3}?(?!in\b)[^\s"“”]+)`;
const UNKNOWN_COLLECTION = new RegExp(
  String.raw`\bin\s+(?:the\s+|my\s+|our\s+)?collection\s+(?:named\s+|called\s+)?(?:["“]([^"”]+)["”]|${NAMED_WORDS})|\bin\s+(?:the\s+|my\s+|our\s+)?(?:["“]([^"”]+)["”]|${NAMED_WORDS})\s+collection\b`,
  'i',
);

/**
 * "in <name>": the longest of the account's collection names found after "in" (case and spacing
 * aside, optionally quoted), taken out of the text. Failing that, wording that can only
 * name a collection ("in the X collection") is taken out and reported as not found.
 */
function readCollection(text: string, names: readonly string[]): { rest: string; collection: string | null; found: boolean } {
  const byLength = [...new Set(names)].filter((name) => name.trim() !== '').sort((a, b) => b.length - a.length);
  for (const name of byLength) {
    const words = name.trim().split(/\s+/).map(escapeRegExp).join('\\s+');
    const named = new RegExp(`${IN_PREFIX}["“]?${words}["”]?${COLLECTION_SUFFIX}(?![\\p{L}\\p{N}])${CLOSING}`, 'iu');
    const match = text.match(named);
    if (match) return { rest: text.replace(named, ' '), collection: name, found: true };
  }
  const unknown = text.match(UNKNOWN_COLLECTION);
  if (!unknown) return { rest: text, collection: null, found: false };
  const written = squeeze(unknown.slice(1).find((group) => group !== undefined) ?? '');
  return { rest: text.replace(UNKNOWN_COLLECTION, ' '), collection: written, found: false };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const PLACEHOLDER = /\uE000(\d+)\uE001/g;

function placeholder(index: number): string {
  return `\uE000${index}\uE001`;
}

/**
 * Splits the text at each mode cue; each cue claims the words after it up to the next cue (or,
 * when none follow, the words before it). Without a cue, everything is the query.
 */
function readCues(text: string): { query: string; modes: InterpretedMode[] | null } {
  const found: Array<{ start: number; end: number; mode: InterpretedMode }> = [];
  let masked = text;
  for (const [cue, mode] of CUES) {
    const global = new RegExp(cue.source, 'gi');
    for (const match of masked.matchAll(global)) {
      found.push({ start: match.index, end: match.index + match[0].length, mode });
    }
    // Blank what this cue took, so a shorter cue inside it ("written" in "written on screen") is not found again.
    masked = masked.replace(global, (taken) => ' '.repeat(taken.length));
  }
  if (found.length === 0) return { query: squeeze(text), modes: null };
  found.sort((a, b) => a.start - b.start);
  const claimed = found.map((cue, position) => {
    const after = tidy(text.slice(cue.end, found[position + 1]?.start ?? text.length));
    return after || tidy(text.slice(found[position - 1]?.end ?? 0, cue.start));
  });
  // "says X on screen": both cues name X; it is searched once.
  return { query: squeeze([...new Set(claimed)].join(' ')), modes: [...new Set(found.map((cue) => cue.mode))] };
}

function amountOf(word: string): number | undefined {
  const lower = word.toLowerCase();
  if (/^\d/.test(lower)) return Number(lower);
  return NUMBER_WORDS[lower];
}

/** The content of a cue without the words that only join it, nor punctuation at its edges. */
function tidy(part: string): string {
  let text = squeeze(part.replace(/^[\s:,.;!?-]+|[\s:,.;!?-]+$/g, ''));
  for (let previous = ''; previous !== text;) {
    previous = text;
    text = text.replace(EDGE_FILLER, '');
  }
  return squeeze(text);
}

function squeeze(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Whether `text` holds `phrase` word for word, as the text indexes see words (case and accents
 * folded, punctuation between words ignored): "Welcome back!" holds "welcome back", "backpack" does not hold "back".
 */
export function containsPhrase(text: string, phrase: string): boolean {
  const words = (value: string) =>
    fold(value)
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean)
      .join(' ');
  const wanted = words(phrase);
  return wanted === '' || ` ${words(text)} `.includes(` ${wanted} `);
}

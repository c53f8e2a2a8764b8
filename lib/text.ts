/**
 * Text normalisation shared by indexing (merging repeated captions) and search (matching queries
 * and suggestions): lower case, ASCII letters and digits, single spaces.
 */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Emails compare without case or surrounding spaces (sign-up, login, their rate limits). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

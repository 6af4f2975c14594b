/**
 * What a word is, for indexing and for searching alike (the Records port's
 * `text` rule): a maximal run of Unicode letters, digits and combining
 * marks, lowercased and NFKC-normalized, cut to MAX_TERM_LENGTH code
 * points. Both dialects index these words verbatim (FTS5 `ascii` tokenizer;
 * PostgreSQL array_to_tsvector, no text-search parser), so SQLite and
 * PostgreSQL match the same rows. Queries are built from words only, so
 * no user character ever reaches FTS5 or tsquery syntax.
 */

export const MAX_TERM_LENGTH = 64;

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** The distinct words of `text`, in order of first appearance. */
export function searchTerms(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.toLowerCase().normalize('NFKC').matchAll(WORD)) {
    const w = m[0].length > MAX_TERM_LENGTH ? Array.from(m[0]).slice(0, MAX_TERM_LENGTH).join('') : m[0];
    out.add(w);
  }
  return [...out];
}

/** An FTS5 MATCH expression: every word as a quoted string, implicitly ANDed. */
export function fts5Query(terms: readonly string[]): string {
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(' ');
}

/** A tsquery text: every word as a quoted lexeme, joined by `&`. */
export function tsQuery(terms: readonly string[]): string {
  return terms.map((t) => `'${t.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`).join(' & ');
}

// CloudWatch Logs filter patterns for unstructured text: terms, quoted phrases, `?` alternatives and `-` exclusions.
//
// Supported (case-sensitive, as in AWS):
//   ERROR Exception        every term must appear somewhere in the message
//   "disk full"            a quoted phrase must appear as written (\" and \\ escape inside quotes)
//   ?ERROR ?WARN           at least one `?` term must appear (together with every plain term, if any)
//   ERROR -Retrying        a `-` term must not appear
//   (empty or blank)       matches every event
// Not supported, rejected with InvalidParameterException rather than silently matching wrongly: JSON patterns
// (`{ $.level = "error" }`), space-delimited patterns (`[ip, user, ...]`) and regular expressions (`%…%`).
// AWS asks for quotes around terms with non-alphanumeric characters; Slipway takes such bare terms literally.
import { SlipwayError } from '../../core/errors.ts';

export interface FilterPattern {
  readonly all: readonly string[];
  readonly any: readonly string[];
  readonly none: readonly string[];
}

function unsupported(pattern: string, kind: string): SlipwayError {
  return new SlipwayError(
    'InvalidParameterException',
    `Invalid filter pattern ${JSON.stringify(pattern.slice(0, 80))}: ${kind} patterns are not supported by Slipway; expected terms, "quoted phrases", ?alternatives and -exclusions`,
  );
}

export function parseFilterPattern(pattern: string): FilterPattern {
  const text = pattern.trim();
  if (text.startsWith('{')) throw unsupported(pattern, 'JSON');
  if (text.startsWith('[')) throw unsupported(pattern, 'space-delimited');
  if (text.startsWith('%')) throw unsupported(pattern, 'regular expression');
  const all: string[] = [];
  const any: string[] = [];
  const none: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i] ?? '')) {
      i++;
      continue;
    }
    let bucket = all;
    if (text[i] === '?' || text[i] === '-') {
      bucket = text[i] === '?' ? any : none;
      i++;
    }
    let term = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i] ?? '';
        if (c === '\\' && i + 1 < text.length) {
          term += text[i + 1];
          i += 2;
          continue;
        }
        i++;
        if (c === '"') {
          closed = true;
          break;
        }
        term += c;
      }
      if (!closed) {
        throw new SlipwayError('InvalidParameterException', `Invalid filter pattern ${JSON.stringify(pattern.slice(0, 80))}: a quoted phrase is not closed; expected a closing "`);
      }
    } else {
      while (i < text.length && !/\s/.test(text[i] ?? '')) term += text[i++];
    }
    if (term !== '') bucket.push(term);
  }
  return { all, any, none };
}

export function matchesFilter(filter: FilterPattern, message: string): boolean {
  return (
    filter.all.every((term) => message.includes(term)) &&
    !filter.none.some((term) => message.includes(term)) &&
    (filter.any.length === 0 || filter.any.some((term) => message.includes(term)))
  );
}

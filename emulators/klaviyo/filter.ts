/**
 * Klaviyo's filter syntax: `op(field,value)` conditions joined by commas (AND). Values are quoted strings
 * (single or double quotes), bracketed lists, or bare words (dates, numbers, true/false, null).
 */
export type FilterValue = string | number | boolean | null | FilterValue[];

export interface FilterCondition {
  operator: string;
  field: string;
  value: FilterValue;
}

export class FilterSyntaxError extends Error {}

export function parseFilter(input: string): FilterCondition[] {
  let i = 0;
  const fail = (what: string): never => {
    throw new FilterSyntaxError(`Invalid filter: ${what} at position ${i} of '${input}'.`);
  };
  const skipSpace = () => {
    while (input[i] === ' ') i++;
  };
  const readWord = (stop: RegExp): string => {
    const start = i;
    while (i < input.length && !stop.test(input[i])) i++;
    return input.slice(start, i).trim();
  };
  const readValue = (): FilterValue => {
    skipSpace();
    const c = input[i];
    if (c === '"' || c === "'") {
      i++;
      let s = '';
      while (i < input.length && input[i] !== c) {
        if (input[i] === '\\' && i + 1 < input.length) i++;
        s += input[i++];
      }
      if (input[i] !== c) fail('unterminated string');
      i++;
      return s;
    }
    if (c === '[') {
      i++;
      const list: FilterValue[] = [];
      skipSpace();
      if (input[i] === ']') {
        i++;
        return list;
      }
      for (;;) {
        list.push(readValue());
        skipSpace();
        if (input[i] === ',') {
          i++;
          continue;
        }
        if (input[i] === ']') {
          i++;
          return list;
        }
        fail("expected ',' or ']'");
      }
    }
    const word = readWord(/[,)\]]/);
    if (word === '') fail('expected a value');
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
    return word;
  };

  const conditions: FilterCondition[] = [];
  while (i < input.length) {
    skipSpace();
    const operator = readWord(/[(]/);
    if (!/^[a-z-]+$/.test(operator)) fail('expected an operator such as equals(...)');
    if (input[i] !== '(') fail("expected '('");
    i++;
    skipSpace();
    const field = readWord(/[,)]/);
    if (!field) fail('expected a field name');
    let value: FilterValue = null;
    if (input[i] === ',') {
      i++;
      value = readValue();
    } else if (operator !== 'has') {
      fail("expected ','");
    }
    skipSpace();
    if (input[i] !== ')') fail("expected ')'");
    i++;
    conditions.push({ operator, field, value });
    skipSpace();
    if (i < input.length) {
      if (input[i] !== ',') fail("expected ',' between conditions");
      i++;
    }
  }
  if (conditions.length === 0) fail('empty filter');
  return conditions;
}

/** True when `actual` satisfies the condition; `actual` is the resource's value for the field. */
export function matchesCondition(actual: unknown, c: FilterCondition): boolean {
  switch (c.operator) {
    case 'equals':
      return actual === c.value || (typeof actual === 'boolean' && String(actual) === String(c.value));
    case 'any':
      return Array.isArray(c.value) && c.value.some((v) => v === actual);
    case 'has':
      return actual !== undefined && actual !== null;
    case 'contains':
      return typeof actual === 'string' && typeof c.value === 'string' && actual.includes(c.value);
    case 'greater-than':
      return compare(actual, c.value) > 0;
    case 'greater-or-equal':
      return compare(actual, c.value) >= 0;
    case 'less-than':
      return compare(actual, c.value) < 0;
    case 'less-or-equal':
      return compare(actual, c.value) <= 0;
    default:
      return false;
  }
}

function compare(a: unknown, b: FilterValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const ta = Date.parse(String(a));
  const tb = Date.parse(String(b));
  if (!Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

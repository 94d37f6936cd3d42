/**
 * Puts `value` at `index` of an array used as a table keyed by small
 * integer ids (the store's series ids), filling the slots up to it first:
 * an index past the end would leave holes, and V8 keeps such an array as a
 * dictionary, which costs what the array was meant to save over a Map.
 * Throws on an index that is no array index (negative, fractional, huge).
 */
export function placeAt<T>(slots: (T | undefined)[], index: number, value: T): void {
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`invalid id ${index}`);
  while (slots.length < index) slots.push(undefined);
  slots[index] = value;
}

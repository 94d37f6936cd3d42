/** Bounds on a free-form JSON value (an inventory): how deep it nests and how many values it holds. */
export interface ShapeLimits {
  depth: number;
  values: number;
}

/** How a value exceeds its limits: nesting (`too_deep`) or count (`too_large`), and the words for it. */
export interface ShapeExcess {
  reason: 'too_deep' | 'too_large';
  message: string;
}

/**
 * How `value` exceeds `limits`, or null when it does not. Iterative, with
 * its own stack: JSON.parse builds values of any depth without recursing,
 * and a recursive walk over 50 000 nested arrays overflows the call stack
 * (issue 14, item 6). Stops at the first value over a limit, so its cost is
 * bounded by the limits and the payload's size.
 */
export function exceedsShape(value: unknown, limits: ShapeLimits): ShapeExcess | null {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  let values = 1;
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limits.depth) return { reason: 'too_deep', message: `nests deeper than ${limits.depth} levels` };
    const children = Array.isArray(v) ? (v as unknown[]) : Object.values(v);
    values += children.length;
    if (values > limits.values) return { reason: 'too_large', message: `holds more than ${limits.values} values` };
    for (const child of children) stack.push({ v: child, depth: depth + 1 });
  }
  return null;
}

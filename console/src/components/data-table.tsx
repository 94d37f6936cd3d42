import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';

export interface Column<T> {
  key: string;
  label: string;
  /** The value sorted and filtered on. */
  value: (row: T) => string | number | null;
  render?: (row: T) => ComponentChildren;
  numeric?: boolean;
}

/** The Actions column (buttons, inline forms), for a role whose permissions allow them: none otherwise. */
export function actionsColumn<T>(shown: boolean, render: (row: T) => ComponentChildren): Column<T>[] {
  return shown ? [{ key: 'actions', label: 'Actions', value: () => null, render }] : [];
}

/**
 * A table sorted by clicking a column's header button (keyboard: Tab,
 * Enter; `aria-sort` tells screen readers) and narrowed by a text filter
 * over every column's value.
 */
export function DataTable<T>(props: { caption: string; columns: Column<T>[]; rows: T[]; rowKey: (row: T) => string; filterLabel?: string; testId?: string }) {
  const { caption, columns, rows, rowKey } = props;
  const [sort, setSort] = useState<{ key: string; dir: 1 | -1 } | null>(null);
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const kept = needle ? rows.filter((r) => columns.some((c) => String(c.value(r) ?? '').toLowerCase().includes(needle))) : rows;
    if (!sort) return kept;
    const col = columns.find((c) => c.key === sort.key)!;
    return [...kept].sort((a, b) => {
      const [x, y] = [col.value(a), col.value(b)];
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * sort.dir;
    });
  }, [rows, columns, sort, filter]);
  const filterId = `filter-${caption.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div class="table-wrap">
      <div class="table-tools">
        <label for={filterId}>{props.filterLabel ?? 'Filter'}</label>
        <input id={filterId} type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        <span class="muted" aria-live="polite">
          {shown.length} of {rows.length}
        </span>
      </div>
      <table data-testid={props.testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" aria-sort={sort?.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'} class={c.numeric ? 'num' : ''}>
                <button type="button" onClick={() => setSort(sort?.key === c.key ? { key: c.key, dir: sort.dir === 1 ? -1 : 1 } : { key: c.key, dir: 1 })}>
                  {c.label}
                  <span aria-hidden="true">{sort?.key === c.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}</span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.key} class={c.numeric ? 'num' : ''} data-col={c.key}>
                  {c.render ? c.render(r) : (c.value(r) ?? '–')}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p class="muted">Nothing to show.</p>}
    </div>
  );
}

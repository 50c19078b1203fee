/*
 * A column header of a list table: a button that sorts by the column when the column
 * is sortable (a second click reverses the order), plain text otherwise.
 */
import type { SortOrder } from "../api/client";

export interface SortHeaderProps {
  field: string;
  label: string;
  sortable: boolean;
  sort: string;
  order: SortOrder;
  onSort: (field: string) => void;
}

export function SortHeader({ field, label, sortable, sort, order, onSort }: SortHeaderProps) {
  if (!sortable) {
    return (
      <th scope="col" data-field={field}>
        {label}
      </th>
    );
  }
  const active = sort === field;
  return (
    <th
      scope="col"
      data-field={field}
      aria-sort={active ? (order === "asc" ? "ascending" : "descending") : "none"}
    >
      <button type="button" className="sort" onClick={() => onSort(field)}>
        {label}
        <span className="sort-mark" aria-hidden="true">
          {active ? (order === "asc" ? " ▲" : " ▼") : ""}
        </span>
      </button>
    </th>
  );
}

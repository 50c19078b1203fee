/*
 * The input of a foreign key: a select over the referenced items (the first page of up
 * to 100), or a number input when they cannot be loaded. A value that is not among the
 * loaded choices stays selectable as "#id".
 */
import { useEffect, useState } from "react";
import type { ApiClient, Option } from "../api/client";
import { useApi } from "../api/context";

export interface RefSelectProps {
  id: string;
  name: string;
  value: string;
  required: boolean;
  invalid: boolean;
  describedBy?: string;
  /** Loads the choices; a module-level function, so it does not change between renders. */
  load: (api: ApiClient) => Promise<Option[]>;
  onChange: (value: string) => void;
}

export function RefSelect(props: RefSelectProps) {
  const { id, name, value, required, invalid, describedBy, load, onChange } = props;
  const api = useApi();
  const [options, setOptions] = useState<Option[]>();
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let current = true;
    load(api).then(
      (o) => {
        if (current)
          setOptions(o);
      },
      () => {
        if (current)
          setFailed(true);
      },
    );
    return () => {
      current = false;
    };
  }, [api, load]);

  if (failed) {
    return (
      <input
        id={id}
        name={name}
        type="number"
        min={1}
        step={1}
        value={value}
        required={required}
        aria-invalid={invalid}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  const list = options ?? [];
  const known = value === "" || list.some((o) => String(o.id) === value);
  return (
    <select
      id={id}
      name={name}
      value={value}
      required={required}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      aria-busy={options === undefined}
      onChange={(e) => onChange(e.target.value)}
    >
      <option value="">{options === undefined ? "Loading…" : "Choose…"}</option>
      {known ? null : <option value={value}>{"#" + value}</option>}
      {list.map((o) => (
        <option key={o.id} value={String(o.id)}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

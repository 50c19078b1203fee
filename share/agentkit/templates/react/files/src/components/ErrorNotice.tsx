/*
 * Shows a failed call: the problem's title and detail, and the field errors the caller
 * does not show next to an input (pass their names in shownFields).
 */
import { fieldName, type ApiError } from "../api/client";

export interface ErrorNoticeProps {
  error: ApiError;
  shownFields?: readonly string[];
}

export function ErrorNotice({ error, shownFields = [] }: ErrorNoticeProps) {
  const rest = error.errors.filter((e) => !shownFields.includes(fieldName(e.field)));
  return (
    <div className="notice error" role="alert">
      <strong>{error.title}</strong>
      {error.detail ? <span className="detail"> {error.detail}</span> : null}
      {rest.length > 0 ? (
        <ul>
          {rest.map((e, i) => (
            <li key={i}>{e.field ? e.field + ": " + e.message : e.message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

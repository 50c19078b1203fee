/*
 * How field values read on screen: null shows as an empty cell, booleans as Yes/No,
 * money with two decimals, datetimes without the "T".
 */

export function formatText(v: string | number | null | undefined): string {
  return v === null || v === undefined ? "" : String(v);
}

export function formatBoolean(v: boolean | null | undefined): string {
  if (v === null || v === undefined)
    return "";
  return v ? "Yes" : "No";
}

export function formatMoney(v: number | null | undefined): string {
  return v === null || v === undefined ? "" : v.toFixed(2);
}

export function formatDateTime(v: string | null | undefined): string {
  return v ? v.replace("T", " ") : "";
}

/** The label of an enum value; an unknown value shows as it is. */
export function formatEnum(v: string | null | undefined, labels: Record<string, string>): string {
  if (v === null || v === undefined)
    return "";
  return Object.prototype.hasOwnProperty.call(labels, v) ? labels[v] : v;
}

/** Only http(s) addresses become links; anything else is shown as text. */
export function isWebLink(v: string | null | undefined): v is string {
  return typeof v === "string" && /^https?:\/\//i.test(v);
}

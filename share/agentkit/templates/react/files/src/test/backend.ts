/*
 * A fake service behind a mocked fetch (vi.fn) for component tests. By default it
 * answers like the real one from sample items: a page of two for a list, the item for a
 * GET by id, the body with an id for POST and PUT, 204 for DELETE, 404 for a path it
 * does not know. A handler can answer a call first. Every call is recorded.
 */
import { vi } from "vitest";
import { ApiClient } from "../api/client";

export interface Call {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
  contentType?: string;
}

export type Handler = (call: Call) => Reply | undefined;

export type Samples = Record<string, (n: number) => { id: number }>;

export function reply(status: number, body?: unknown, contentType = "application/json"): Response {
  if (status === 204 || body === undefined)
    return new Response(null, { status });
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": contentType } });
}

export function problem(status: number, title: string, extra: Record<string, unknown> = {}): Reply {
  return {
    status,
    body: { type: "about:blank", title, status, ...extra },
    contentType: "application/problem+json",
  };
}

function headersOf(init?: RequestInit): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function defaultReply(samples: Samples, call: Call): Reply {
  const m = /^(\/.*?)(?:\/([0-9]+))?$/.exec(call.path);
  const sample = m ? samples[m[1]] : undefined;
  if (!m || !sample)
    return problem(404, "Not Found");
  const id = m[2] === undefined ? undefined : Number(m[2]);
  if (id === undefined && call.method === "GET") {
    const limit = Number(call.query.get("limit") ?? "20");
    const offset = Number(call.query.get("offset") ?? "0");
    return { status: 200, body: { items: [sample(1), sample(2)], total: 2, limit, offset } };
  }
  if (id === undefined && call.method === "POST")
    return { status: 201, body: { ...(call.body as object), id: 1 } };
  if (id !== undefined && call.method === "GET")
    return { status: 200, body: sample(id) };
  if (id !== undefined && call.method === "PUT")
    return { status: 200, body: { ...(call.body as object), id } };
  if (id !== undefined && call.method === "DELETE")
    return { status: 204 };
  return problem(405, "Method Not Allowed");
}

export function fakeBackend(samples: Samples, handler?: Handler) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (url: string, init: RequestInit): Promise<Response> => {
    const parsed = new URL(url, "http://localhost");
    const call: Call = {
      method: init.method ?? "GET",
      url,
      path: parsed.pathname,
      query: parsed.searchParams,
      headers: headersOf(init),
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const r = handler?.(call) ?? defaultReply(samples, call);
    return reply(r.status, r.body, r.contentType);
  });
  return { calls, fetch, client: new ApiClient("", fetch) };
}

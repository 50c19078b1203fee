/*
 * The two shapes of server state the entity hooks are built from: a query (loading,
 * data, error, reload) and a mutation (run, pending, error). Errors are ApiErrors.
 */
import { useCallback, useEffect, useState, type DependencyList } from "react";
import { asApiError, type ApiError } from "../api/client";

export interface QueryState<T> {
  data: T | undefined;
  loading: boolean;
  error: ApiError | undefined;
  /** Runs the query again; the old data stays until the new reply arrives. */
  reload: () => void;
}

/** Runs load() when deps change (or reload is called); a stale reply is dropped. */
export function useQuery<T>(load: () => Promise<T>, deps: DependencyList): QueryState<T> {
  const [data, setData] = useState<T>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError>();
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let current = true;
    setLoading(true);
    setError(undefined);
    load().then(
      (value) => {
        if (!current)
          return;
        setData(value);
        setLoading(false);
      },
      (err: unknown) => {
        if (!current)
          return;
        setError(asApiError(err));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
    // load is a new closure on every render; deps say when it means something new
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, loading, error, reload };
}

export interface Mutation<A extends unknown[], R> {
  /** Calls the operation; rejects with the ApiError that is also kept in error. */
  run: (...args: A) => Promise<R>;
  pending: boolean;
  error: ApiError | undefined;
  reset: () => void;
}

export function useMutation<A extends unknown[], R>(call: (...args: A) => Promise<R>): Mutation<A, R> {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError>();

  const run = useCallback(
    async (...args: A): Promise<R> => {
      setPending(true);
      setError(undefined);
      try {
        return await call(...args);
      } catch (err) {
        const e = asApiError(err);
        setError(e);
        throw e;
      } finally {
        setPending(false);
      }
    },
    [call],
  );
  const reset = useCallback(() => setError(undefined), []);
  return { run, pending, error, reset };
}

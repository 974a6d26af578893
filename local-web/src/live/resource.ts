// Loading data that stays current: loads once, reloads on matching live events, after a
// resync or reconnect, and on demand.
import { useCallback, useEffect, useRef, useState } from "react";
import { useLiveEvent, useResync } from "./context";

export type Resource<T> =
  | { status: "loading"; data?: undefined; error?: undefined }
  | { status: "ready"; data: T; error?: undefined }
  | { status: "error"; data?: T; error: unknown };

/** `load`'s result, reloaded when an event matching one of `patterns` arrives. */
export function useResource<T>(
  load: () => Promise<T>,
  patterns: string[] = [],
): Resource<T> & { reload: () => void } {
  const [state, setState] = useState<Resource<T>>({ status: "loading" });
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });
  const generation = useRef(0);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    loadRef.current().then(
      (data) => {
        if (mine === generation.current) setState({ status: "ready", data });
      },
      (error: unknown) => {
        if (mine === generation.current)
          setState((previous) => ({ status: "error", data: previous.data, error }));
      },
    );
  }, []);
  useEffect(() => {
    reload();
  }, [reload]);
  useLiveEvent(patterns, reload);
  useResync(reload);
  return { ...state, reload };
}

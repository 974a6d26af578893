// React access to the one LiveSocket: the provider owns it, hooks subscribe to it.
import {
  createContext,
  useContext,
  useEffect,
  useRef,
  useSyncExternalStore,
  type ReactNode,
} from "react";
import type { LiveEvent } from "./frames";
import type { LinkState, LiveSocket } from "./socket";

const LiveContext = createContext<LiveSocket | null>(null);

/** Makes `socket` available to every page below. */
export function LiveProvider({ socket, children }: { socket: LiveSocket; children: ReactNode }) {
  return <LiveContext.Provider value={socket}>{children}</LiveContext.Provider>;
}

/** The page's LiveSocket. */
export function useLive(): LiveSocket {
  const socket = useContext(LiveContext);
  if (socket === null) throw new Error("useLive outside LiveProvider");
  return socket;
}

/** The connection state, re-rendering on change. */
export function useLinkState(): LinkState {
  const socket = useLive();
  return useSyncExternalStore(
    (listener) => socket.onState(listener),
    () => socket.state,
  );
}

/** Calls the latest `handler` for every event matching one of `patterns`. */
export function useLiveEvent(
  patterns: string | string[],
  handler: (event: LiveEvent) => void,
): void {
  const socket = useLive();
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  const key = typeof patterns === "string" ? patterns : patterns.join(",");
  useEffect(() => {
    const offs = key
      .split(",")
      .filter((pattern) => pattern !== "")
      .map((pattern) => socket.onEvent(pattern, (event) => latest.current(event)));
    return () => offs.forEach((off) => off());
  }, [socket, key]);
}

/** Calls the latest `handler` after a resync or a reconnect (re-read state then). */
export function useResync(handler: () => void): void {
  const socket = useLive();
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    let wasOpen = socket.state === "open";
    const offState = socket.onState((state) => {
      if (state === "open" && !wasOpen) latest.current();
      wasOpen = state === "open";
    });
    const offResync = socket.onResync(() => latest.current());
    return () => {
      offState();
      offResync();
    };
  }, [socket]);
}

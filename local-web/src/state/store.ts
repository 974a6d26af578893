// A minimal external store for useSyncExternalStore: state replaced whole, listeners told.
import { useSyncExternalStore } from "react";

/** A value that changes over time and can be watched. */
export class Store<T> {
  private value: T;
  private readonly listeners = new Set<() => void>();

  constructor(initial: T) {
    this.value = initial;
  }

  /** The value now. */
  get(): T {
    return this.value;
  }

  /** Replaces the value with `update(value)` and tells every listener. */
  update(update: (value: T) => T): void {
    const next = update(this.value);
    if (next === this.value) return;
    this.value = next;
    this.listeners.forEach((listener) => listener());
  }

  /** Adds a listener; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** The store's value, re-rendering on change. */
export function useStore<T>(store: Store<T>): T {
  return useSyncExternalStore(store.subscribe, () => store.get());
}

/**
 * The three signals by name.
 */

import { logs } from "./logs";
import { metrics } from "./metrics";
import type { Signal, SignalName } from "./signal";
import { traces } from "./traces";

export type { Rejection, Signal, SignalName } from "./signal";
export { isSignalName, SIGNAL_NAMES } from "./signal";

/** Each signal's definition. */
export const SIGNALS: Record<SignalName, Signal> = { traces, metrics, logs };

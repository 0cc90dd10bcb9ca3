// Symbols pinned to the top of the price board, remembered in localStorage (per browser).
export const PINS_KEY = "vnp-board-pins";

type StorageLike = Pick<Storage, "getItem" | "setItem">;

function storage(): StorageLike | null {
  try {
    return typeof window !== "undefined" ? window.localStorage : null;
  } catch {
    return null;
  }
}

export function loadPins(store: StorageLike | null = storage()): string[] {
  if (!store) return [];
  try {
    const parsed = JSON.parse(store.getItem(PINS_KEY) ?? "[]") as unknown;
    return Array.isArray(parsed) ? [...new Set(parsed.filter((s): s is string => typeof s === "string" && /^[A-Z0-9]{1,12}$/.test(s)))] : [];
  } catch {
    return [];
  }
}

export function savePins(pins: readonly string[], store: StorageLike | null = storage()): void {
  try {
    store?.setItem(PINS_KEY, JSON.stringify(pins));
  } catch {
    // Storage full or blocked: pins then last for this page only.
  }
}

/** Pin (appended last) or unpin a symbol. */
export function togglePin(pins: readonly string[], symbol: string): string[] {
  return pins.includes(symbol) ? pins.filter((s) => s !== symbol) : [...pins, symbol];
}

"use client";
import { useEffect, useId, useRef, useState } from "react";
import { Input } from "@/components/ui/input";
import { useInstrumentSearch } from "@/lib/api/queries";
import type { Instrument } from "@/lib/api/types";
import { cn } from "@/lib/cn";
import type { TradeT } from "@/lib/trade/messages";
import { useDebounced } from "./use-preview";

/**
 * The symbol input with suggestions from the instruments API, which ignores accents ("sua",
 * "vinamilk" find VNM). Keyboard: arrows move, Enter or Tab picks, Escape closes; typing a ticker
 * and moving on works without picking.
 */
export function SymbolCombobox({
  id,
  value,
  onChange,
  invalid,
  describedBy,
  t,
}: {
  id: string;
  value: string;
  onChange: (symbol: string) => void;
  invalid?: boolean;
  describedBy?: string;
  t: TradeT;
}) {
  const [text, setText] = useState(value);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useId();
  const boxRef = useRef<HTMLDivElement>(null);
  const search = useDebounced(text.trim(), 180);
  const results = useInstrumentSearch(open ? search : "");
  const typed = search.toUpperCase();
  // the ticker typed exactly comes first, so Enter or Tab keeps it ("FPT" before "FOX", FPT Telecom)
  const items: Instrument[] = (results.data ?? [])
    .filter((item) => item.type !== "index")
    .sort((a, b) => Number(b.symbol === typed) - Number(a.symbol === typed))
    .slice(0, 8);
  const showList = open && search !== "";

  useEffect(() => {
    const close = (event: MouseEvent) => {
      if (!boxRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, []);

  const pick = (item: Instrument) => {
    setText(item.symbol);
    onChange(item.symbol);
    setOpen(false);
  };

  return (
    <div ref={boxRef} className="relative">
      <Input
        id={id}
        name="symbol"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={showList && items.length > 0}
        aria-controls={listId}
        aria-activedescendant={showList && items[active] ? `${listId}-${active}` : undefined}
        aria-invalid={invalid}
        aria-describedby={describedBy}
        placeholder={t("placeholders.symbol")}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setActive(0);
          // a typed ticker counts as chosen; a name ("sữa") waits for a pick
          const typed = e.target.value.trim().toUpperCase();
          onChange(/^[A-Z0-9]{1,12}$/.test(typed) ? typed : "");
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={(e) => {
          if (!showList || !items.length) return;
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive((i) => Math.min(i + 1, items.length - 1));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((i) => Math.max(i - 1, 0));
          } else if (e.key === "Enter" || e.key === "Tab") {
            const item = items[active];
            if (item) {
              if (e.key === "Enter") e.preventDefault();
              pick(item);
            }
          } else if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation(); // close the list, not the dialog
            setOpen(false);
          }
        }}
      />
      {showList && (
        <ul id={listId} role="listbox" aria-label={t("hints.symbolListLabel")} className="absolute top-10 z-50 max-h-72 w-full overflow-auto rounded-lg border bg-popover p-1 shadow-lg">
          {items.length === 0 && !results.isFetching && <li className="px-2 py-1.5 text-sm text-muted-foreground">{t("hints.noMatch", { search })}</li>}
          {items.map((item, index) => (
            <li
              key={item.symbol}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              onMouseEnter={() => setActive(index)}
              onMouseDown={(e) => {
                e.preventDefault(); // keep the focus in the input
                pick(item);
              }}
              className={cn("flex cursor-pointer items-center gap-3 rounded-md px-2 py-1.5 text-sm", index === active && "bg-accent")}
            >
              <span className="w-16 shrink-0 font-semibold">{item.symbol}</span>
              <span className="min-w-0 flex-1 truncate text-muted-foreground">{item.short_name ? `${item.short_name} · ${item.name}` : item.name}</span>
              <span className="shrink-0 text-xs text-muted-foreground">{item.exchange}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

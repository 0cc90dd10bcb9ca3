"use client";
import { SearchIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useEffect, useId, useRef, useState } from "react";
import { useInstrumentSearch } from "@/lib/api/queries";
import { cn } from "@/lib/cn";

export function SymbolSearch({ className, autoFocus = false, onDone }: { className?: string; autoFocus?: boolean; onDone?: () => void }) {
  const router = useRouter();
  const t = useTranslations("nav");
  const [text, setText] = useState("");
  const [debounced, setDebounced] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useId();
  const boxRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(text.trim()), 180);
    return () => clearTimeout(timer);
  }, [text]);
  useEffect(() => {
    const close = (event: MouseEvent) => {
      if (!boxRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, []);
  const results = useInstrumentSearch(debounced);
  const items = (results.data ?? []).slice(0, 8);

  const go = (symbol: string) => {
    const clean = symbol.trim().toUpperCase();
    if (!/^[A-Z0-9]{1,12}$/.test(clean)) return;
    setText("");
    setOpen(false);
    onDone?.();
    router.push(`/instruments/${clean}`);
  };

  return (
    <div ref={boxRef} className={cn("relative", className)}>
      <SearchIcon className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground" />
      <input
        type="search"
        role="combobox"
        aria-expanded={open && items.length > 0}
        aria-controls={listId}
        aria-label={t("searchSymbols")}
        autoFocus={autoFocus}
        placeholder={t("searchPlaceholder")}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setActive(0);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive((i) => Math.min(i + 1, Math.max(items.length - 1, 0)));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((i) => Math.max(i - 1, 0));
          } else if (e.key === "Enter") {
            e.preventDefault();
            go(items[active]?.symbol ?? text);
          } else if (e.key === "Escape") setOpen(false);
        }}
        className="h-9 w-full rounded-lg border border-input bg-card pr-3 pl-9 text-sm uppercase shadow-xs outline-none placeholder:normal-case placeholder:text-muted-foreground focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/40"
      />
      {open && debounced && items.length > 0 && (
        <ul id={listId} role="listbox" className="absolute top-11 z-50 w-full overflow-hidden rounded-lg border bg-popover p-1 shadow-lg">
          {items.map((item, index) => (
            <li key={item.symbol} role="option" aria-selected={index === active}>
              <button
                type="button"
                onMouseEnter={() => setActive(index)}
                onClick={() => go(item.symbol)}
                className={cn("flex w-full items-center gap-3 rounded-md px-2 py-1.5 text-left text-sm cursor-pointer", index === active && "bg-accent")}
              >
                <span className="w-12 font-semibold">{item.symbol}</span>
                <span className="flex-1 truncate text-muted-foreground">{item.name}</span>
                <span className="text-xs text-muted-foreground">{item.exchange}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

"use client";
// The price board ("Bảng giá"): one list's rows from GET /api/market/board/, then kept live by ONE
// `board` subscription on the shared market stream; quote frames are batched per animation frame in
// a BoardStore, whose changed rows a BoardPainter writes into the mounted cells (React renders only
// when the rows, their order, the selection or the scroll change). Rows are virtualised; sort by any
// column, filter by typing, pin symbols to the top (remembered in localStorage), arrows move the
// selection and Enter opens the instrument page.
import { useVirtualizer } from "@tanstack/react-virtual";
import { ArrowDownIcon, ArrowUpIcon, PinIcon, PinOffIcon, SearchIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { memo, useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { EmptyState, ErrorState, PageHeader, TableSkeleton } from "@/components/common/states";
import { useBoardStream } from "@/components/realtime/market-feed-provider";
import { Card } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useFormat } from "@/hooks/use-format";
import { asList, useBoard, usePortfolios } from "@/lib/api/queries";
import { loadPins, savePins, togglePin } from "@/lib/board/pins";
import { filterRows, nextSort, orderRows, type Sort, type SortColumn } from "@/lib/board/sort";
import { BoardStore } from "@/lib/board/store";
import { cn } from "@/lib/cn";
import type { ServerMessage } from "@/lib/realtime/protocol";
import { useAuthStore } from "@/stores/auth";
import { boardFormatters } from "./board-cells";
import { BOARD_COLUMNS, BOARD_WIDTH, GRID_TEMPLATE, type BoardColumn } from "./board-columns";
import { BoardPainter } from "./board-painter";

const MARKET_LISTS = ["VN30", "HNX30", "HOSE", "HNX", "UPCOM"] as const;
const ROW_HEIGHT = 28;
const LIST_KEY = "vnp-board-list";
/** A sort by a live column re-sorts at most this often, and not while the pointer is over the rows. */
const RESORT_MS = 1000;
const STATIC_SORTS = new Set<SortColumn>(["symbol", "reference", "ceiling", "floor"]);

/**
 * One row's frame: React renders the row, its pin button and EMPTY cells (so it never writes over
 * them); the painter fills the cells when the row mounts and on every update after that.
 */
const BoardRowView = memo(function BoardRowView({
  symbol,
  name,
  index,
  top,
  active,
  pinned,
  painter,
  onPin,
  onOpen,
  onActivate,
  pinLabel,
}: {
  symbol: string;
  name: string | undefined;
  index: number;
  top: number;
  active: boolean;
  pinned: boolean;
  painter: BoardPainter;
  onPin: (symbol: string) => void;
  onOpen: (symbol: string) => void;
  onActivate: (index: number) => void;
  pinLabel: string;
}) {
  const attach = useCallback(
    (element: HTMLDivElement | null) => {
      if (!element) return;
      painter.mount(symbol, element);
      return () => painter.unmount(symbol, element);
    },
    [painter, symbol],
  );
  return (
    <div
      ref={attach}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={active}
      data-testid={`board-row-${symbol}`}
      className={cn("board-row absolute left-0 grid border-b text-xs", active ? "bg-accent" : index % 2 ? "bg-muted/30" : "", pinned && "font-semibold")}
      style={{ top, height: ROW_HEIGHT, width: BOARD_WIDTH, gridTemplateColumns: GRID_TEMPLATE, gridTemplateRows: `${ROW_HEIGHT}px` }}
      onClick={() => onActivate(index)}
      onDoubleClick={() => onOpen(symbol)}
    >
      <button
        type="button"
        className={cn("grid h-full place-items-center text-muted-foreground hover:text-foreground", pinned && "text-primary")}
        aria-label={pinLabel}
        aria-pressed={pinned}
        data-testid={`board-pin-${symbol}`}
        onClick={(e) => {
          e.stopPropagation();
          onPin(symbol);
        }}
      >
        {pinned ? <PinOffIcon className="size-3" /> : <PinIcon className="size-3" />}
      </button>
      {BOARD_COLUMNS.map((column) => (
        <span
          role="gridcell"
          key={column.key}
          data-testid={column.key === "last" ? `board-cell-${symbol}-last` : undefined}
          title={column.key === "symbol" ? name : undefined}
        />
      ))}
    </div>
  );
});

export function BoardView() {
  const t = useTranslations("board");
  const router = useRouter();
  const { formatNumber } = useFormat();
  const signedIn = useAuthStore((s) => s.status === "authenticated");
  const portfolios = usePortfolios();
  const [list, setList] = useState<string>("VN30");
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<Sort>(null);
  const [pins, setPins] = useState<string[]>([]);
  const [active, setActive] = useState(0);
  const [streamError, setStreamError] = useState<string | null>(null);
  const store = useMemo(() => new BoardStore(), []);
  const rows = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);

  useEffect(() => {
    setPins(loadPins());
    const saved = window.localStorage.getItem(LIST_KEY);
    if (saved) setList(saved);
  }, []);

  const board = useBoard(list);
  // The stream's rows are newer than a REST answer that lands after them (or refetches on focus).
  const streamed = useRef<string | null>(null);
  useEffect(() => {
    if (board.data && streamed.current !== board.data.list) store.setRows(board.data.list, board.data.symbols, board.data.results);
  }, [board.data, store]);

  const onMessage = useCallback(
    (message: ServerMessage) => {
      if (message.type === "board") {
        setStreamError(null);
        streamed.current = message.list;
        store.setRows(message.list, message.symbols, message.rows);
      } else if (message.type === "quote") store.enqueue(message);
      else if (message.type === "error") setStreamError(message.message);
    },
    [store],
  );
  useBoardStream(list, onMessage);

  const formatters = useMemo(() => boardFormatters(formatNumber), [formatNumber]);
  const [painter] = useState(() => new BoardPainter({ source: (symbol) => store.row(symbol), formatters }));
  useEffect(() => painter.setFormatters(formatters), [painter, formatters]);
  // (The painter's flash sweep stops by itself once its rows have unmounted.)
  useEffect(() => store.subscribeUpdates(painter.update), [store, painter]);

  // A live column's order is taken again at most once a second (not on every quote), and not while
  // the pointer is over the rows, so a row does not move away under a click.
  const liveSort = sort !== null && !STATIC_SORTS.has(sort.column);
  const pointerOver = useRef(false);
  useEffect(() => {
    if (!liveSort) return;
    const timer = window.setInterval(() => {
      if (!pointerOver.current) store.refresh();
    }, RESORT_MS);
    return () => window.clearInterval(timer);
  }, [liveSort, store]);

  const shown = useMemo(() => orderRows(filterRows(rows, query), sort, pins), [rows, query, sort, pins]);
  const scrollRef = useRef<HTMLDivElement>(null);
  // The virtualizer's functions change with its state; it re-renders this component on scroll itself.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({ count: shown.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 6 });
  const activeIndex = Math.min(active, Math.max(0, shown.length - 1));

  const pin = useCallback((symbol: string) => {
    setPins((current) => {
      const next = togglePin(current, symbol);
      savePins(next);
      return next;
    });
  }, []);
  const open = useCallback((symbol: string) => router.push(`/instruments/${symbol}`), [router]);

  function chooseList(next: string) {
    setList(next);
    setActive(0);
    setStreamError(null);
    window.localStorage.setItem(LIST_KEY, next);
  }

  function onKeyDown(event: React.KeyboardEvent<HTMLDivElement>) {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity, End: Infinity };
    if (event.key in moves) {
      event.preventDefault();
      const next = Math.max(0, Math.min(shown.length - 1, activeIndex + moves[event.key]!));
      setActive(next);
      virtualizer.scrollToIndex(next, { align: "auto" });
    } else if (event.key === "Enter" && shown[activeIndex]) {
      event.preventDefault();
      open(shown[activeIndex].symbol);
    } else if ((event.key === "p" || event.key === " ") && shown[activeIndex]) {
      event.preventDefault();
      pin(shown[activeIndex].symbol);
    }
  }

  const lists = [
    ...MARKET_LISTS.map((l) => ({ value: l, label: l })),
    ...(signedIn ? [{ value: "watchlist", label: t("watchlist") }] : []),
    ...(signedIn ? asList(portfolios.data).map((p) => ({ value: `portfolio:${p.id}`, label: t("portfolio", { name: p.name }) })) : []),
  ];
  const groups = BOARD_COLUMNS.reduce<{ group: BoardColumn["group"]; span: number }[]>((acc, c) => {
    const last = acc[acc.length - 1];
    if (last && last.group === c.group) last.span += 1;
    else acc.push({ group: c.group, span: 1 });
    return acc;
  }, []);

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          <>
            <Select value={list} onValueChange={chooseList}>
              <SelectTrigger className="h-8 w-52" aria-label={t("list")} data-testid="board-list">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {lists.map((l) => (
                  <SelectItem key={l.value} value={l.value} data-testid={`board-list-${l.value}`}>
                    {l.label}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
            <div className="relative">
              <SearchIcon className="pointer-events-none absolute top-2 left-2 size-4 text-muted-foreground" />
              <Input value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t("filter")} aria-label={t("filter")} className="h-8 w-48 pl-8" data-testid="board-filter" />
            </div>
          </>
        }
      />
      {streamError && <p className="mb-2 text-xs text-destructive">{streamError}</p>}
      <Card className="gap-0 overflow-hidden py-0">
        {board.isLoading && rows.length === 0 ? (
          <div className="py-5">
            <TableSkeleton rows={8} cols={10} />
          </div>
        ) : board.error ? (
          <div className="p-5">
            <ErrorState error={board.error} onRetry={() => void board.refetch()} />
          </div>
        ) : rows.length === 0 ? (
          <EmptyState title={t("emptyTitle")} description={list === "watchlist" || list.startsWith("portfolio:") ? t("emptyMine") : t("emptyText")} className="py-16" />
        ) : (
          <div
            ref={scrollRef}
            role="grid"
            aria-rowcount={shown.length + 1}
            aria-label={t("title")}
            tabIndex={0}
            onKeyDown={onKeyDown}
            className="relative h-[calc(100dvh-15rem)] min-h-80 overflow-auto outline-none focus-visible:ring-2 focus-visible:ring-ring/50"
            data-testid="board-grid"
          >
            <div className="sticky top-0 z-10 bg-card" style={{ width: BOARD_WIDTH }}>
              <div className="grid border-b text-[10px] tracking-wide text-muted-foreground uppercase" style={{ gridTemplateColumns: GRID_TEMPLATE }}>
                <span />
                {groups.map((g, i) => (
                  <span key={i} className="border-l px-1.5 py-1 text-center" style={{ gridColumn: `span ${g.span}` }}>
                    {t(`group.${g.group}`)}
                  </span>
                ))}
              </div>
              <div role="row" className="grid border-b text-[11px] font-medium" style={{ gridTemplateColumns: GRID_TEMPLATE }}>
                <span role="columnheader" />
                {BOARD_COLUMNS.map((column) => {
                  const sorted = sort && column.sort === sort.column ? sort.direction : null;
                  return (
                    <span role="columnheader" key={column.key} aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"}>
                      {column.sort ? (
                        <button
                          type="button"
                          className={cn("flex w-full items-center gap-0.5 px-1.5 py-1.5 hover:text-foreground", column.kind === "symbol" ? "justify-start" : "justify-end", sorted ? "text-foreground" : "text-muted-foreground")}
                          onClick={() => {
                            store.refresh();
                            setSort((current) => nextSort(current, column.sort!));
                          }}
                          data-testid={`board-sort-${column.sort}`}
                        >
                          {sorted === "asc" && <ArrowUpIcon className="size-3" />}
                          {sorted === "desc" && <ArrowDownIcon className="size-3" />}
                          {t(`col.${column.key}`)}
                        </button>
                      ) : (
                        <span className="block px-1.5 py-1.5 text-right text-muted-foreground">{t(`col.${column.key}`)}</span>
                      )}
                    </span>
                  );
                })}
              </div>
            </div>
            <div
              role="rowgroup"
              className="relative"
              style={{ height: virtualizer.getTotalSize(), width: BOARD_WIDTH }}
              onPointerEnter={() => (pointerOver.current = true)}
              onPointerLeave={() => (pointerOver.current = false)}
            >
              {virtualizer.getVirtualItems().map((item) => {
                const row = shown[item.index]!;
                return (
                  <BoardRowView
                    key={row.symbol}
                    symbol={row.symbol}
                    name={row.name}
                    index={item.index}
                    top={item.start}
                    active={item.index === activeIndex}
                    pinned={pins.includes(row.symbol)}
                    painter={painter}
                    onPin={pin}
                    onOpen={open}
                    onActivate={setActive}
                    pinLabel={pins.includes(row.symbol) ? t("unpin", { symbol: row.symbol }) : t("pin", { symbol: row.symbol })}
                  />
                );
              })}
            </div>
            {shown.length === 0 && <EmptyState title={t("noMatch")} />}
          </div>
        )}
      </Card>
      <p className="mt-2 text-xs text-muted-foreground">{t("units", { count: rows.length })}</p>
    </>
  );
}

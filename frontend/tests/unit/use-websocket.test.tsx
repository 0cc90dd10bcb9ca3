import { act, render, renderHook, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { useWebSocket } from "@/hooks/use-websocket";
import { MarketFeedProvider, useLiveSymbols } from "@/components/realtime/market-feed-provider";
import { useAuthStore } from "@/stores/auth";
import { quotesStore, useLiveQuote } from "@/stores/quotes";
import { FakeSocket } from "./fake-socket";

const flush = () => act(async () => {
  await vi.advanceTimersByTimeAsync(0);
});

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("useWebSocket", () => {
  test("test_a_required_stream_connects_with_a_fresh_ticket_each_time", async () => {
    let n = 0;
    const fetchTicket = vi.fn(async () => `ticket-${++n}`);
    const onMessage = vi.fn();
    const { result, unmount } = renderHook(() =>
      useWebSocket("/ws/portfolio/7/", { auth: "required", origin: "ws://app", fetchTicket, onMessage, createSocket: (url) => new FakeSocket(url), backoff: { initialMs: 100, maxMs: 100, factor: 1 } }),
    );
    await flush();
    expect(FakeSocket.last().url).toBe("ws://app/ws/portfolio/7/?ticket=ticket-1");
    act(() => FakeSocket.last().open());
    expect(result.current.status).toBe("open");

    act(() => FakeSocket.last().receive({ type: "transaction", portfolio_id: 7 }));
    expect(onMessage).toHaveBeenCalledWith({ type: "transaction", portfolio_id: 7 });

    act(() => FakeSocket.last().drop(4401));
    expect(result.current.status).toBe("reconnecting");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(100);
    });
    expect(FakeSocket.last().url).toBe("ws://app/ws/portfolio/7/?ticket=ticket-2");

    const last = FakeSocket.last();
    unmount();
    expect(last.closedWith).toBe(1000);
  });

  test("test_a_required_stream_without_a_session_does_not_connect", async () => {
    renderHook(() =>
      useWebSocket("/ws/portfolio/7/", { auth: "required", origin: "ws://app", fetchTicket: async () => null, onMessage: () => {}, createSocket: (url) => new FakeSocket(url) }),
    );
    await flush();
    expect(FakeSocket.created).toHaveLength(0);
  });

  test("test_an_optional_stream_falls_back_to_anonymous", async () => {
    renderHook(() =>
      useWebSocket("/ws/market/", {
        auth: "optional",
        origin: "ws://app",
        fetchTicket: async () => {
          throw new Error("ticket endpoint down");
        },
        onMessage: () => {},
        createSocket: (url) => new FakeSocket(url),
      }),
    );
    await flush();
    expect(FakeSocket.last().url).toBe("ws://app/ws/market/");
  });
});

function Price({ symbol }: { symbol: string }) {
  useLiveSymbols([symbol]);
  const quote = useLiveQuote(symbol);
  return <span data-testid="price">{quote?.price ?? "none"}</span>;
}

describe("MarketFeedProvider", () => {
  test("test_components_subscribe_ticks_render_and_a_gap_refetches_quotes", async () => {
    // Given an anonymous visitor and a page showing FPT
    vi.stubGlobal("WebSocket", FakeSocket);
    const fetchMock = vi.fn<(url: string) => Promise<Response>>(async () =>
      new Response(JSON.stringify([{ symbol: "FPT", price: "120000", seq: 30, as_of: "2026-11-27T04:00:00Z", source: "simulated" }]), {
        status: 200,
        headers: { "content-type": "application/json" },
      }),
    );
    vi.stubGlobal("fetch", fetchMock);
    useAuthStore.setState({ status: "anonymous", user: null, access: null });
    render(
      <MarketFeedProvider>
        <Price symbol="FPT" />
      </MarketFeedProvider>,
    );
    await flush();
    const socket = FakeSocket.last();
    expect(socket.url).toMatch(/\/ws\/market\/$/);
    act(() => socket.open());
    expect(socket.sent).toEqual([{ action: "subscribe", symbols: ["FPT"] }]);

    // When the snapshot and a tick arrive
    act(() => socket.receive({ type: "snapshot", quotes: [{ symbol: "FPT", price: "100000", seq: 10 }] }));
    act(() => socket.receive({ type: "tick", symbol: "FPT", price: "100500", change: "500", change_pct: "0.5", volume: 100, ts: "2026-11-27T03:00:00Z", seq: 11, source: "simulated" }));
    expect(screen.getByTestId("price").textContent).toBe("100500");
    expect(fetchMock).not.toHaveBeenCalled();

    // And a tick arrives after a gap
    act(() => socket.receive({ type: "tick", symbol: "FPT", price: "101000", change: "1000", change_pct: "1", volume: 100, ts: "2026-11-27T03:00:09Z", seq: 15, source: "simulated" }));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(300);
    });

    // Then the quote is refetched over REST
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(String(fetchMock.mock.calls[0]![0])).toBe("/api/market/quotes/?symbols=FPT");
    expect(quotesStore.getState().quotes.FPT!.price).toBe("120000");
  });
});

import { act, render } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { MarketFeedProvider, useBoardStream } from "@/components/realtime/market-feed-provider";
import type { ServerMessage } from "@/lib/realtime/protocol";
import { useAuthStore } from "@/stores/auth";
import { FakeSocket } from "./fake-socket";

const flush = () =>
  act(async () => {
    await vi.advanceTimersByTimeAsync(0);
  });

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.reset();
  vi.stubGlobal("WebSocket", FakeSocket);
  useAuthStore.setState({ status: "anonymous", user: null, access: null });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function Board({ list, onMessage }: { list: string; onMessage: (m: ServerMessage) => void }) {
  useBoardStream(list, onMessage);
  return null;
}

describe("the board on the shared market stream", () => {
  test("one board action per board, again after a reconnect, board_leave when the page goes", async () => {
    const received: ServerMessage[] = [];
    const onMessage = (m: ServerMessage) => received.push(m);
    const view = render(
      <MarketFeedProvider>
        <Board list="VN30" onMessage={onMessage} />
      </MarketFeedProvider>,
    );
    await flush();
    const socket = FakeSocket.last();
    act(() => socket.open());
    expect(socket.sent).toEqual([{ action: "board", list: "VN30" }]);

    // Board frames go to the board, not to the quotes feed.
    act(() => socket.receive({ type: "board", list: "VN30", symbols: ["FPT"], limit: 2000, rows: [] }));
    act(() => socket.receive({ type: "quote", symbol: "FPT", price: "100100" }));
    act(() => socket.receive({ type: "error", code: "unknown_list", message: "no such list" }));
    expect(received.map((m) => m.type)).toEqual(["board", "quote", "error"]);

    // Another list replaces the board: one board_leave for the old, one board for the new.
    view.rerender(
      <MarketFeedProvider>
        <Board list="HNX30" onMessage={onMessage} />
      </MarketFeedProvider>,
    );
    expect(socket.sent.slice(1)).toEqual([{ action: "board_leave" }, { action: "board", list: "HNX30" }]);

    // A dropped connection: the new one asks for the board again.
    act(() => socket.drop());
    await act(async () => {
      await vi.advanceTimersByTimeAsync(60_000);
    });
    const second = FakeSocket.last();
    expect(second).not.toBe(socket);
    act(() => second.open());
    expect(second.sent).toEqual([{ action: "board", list: "HNX30" }]);

    view.unmount();
  });
});

import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { backoffDelay, RealtimeConnection, type SocketStatus } from "@/lib/realtime/connection";
import { FakeSocket } from "./fake-socket";

function connect(options: Partial<ConstructorParameters<typeof RealtimeConnection>[0]> = {}) {
  let ticket = 0;
  const statuses: SocketStatus[] = [];
  const messages: unknown[] = [];
  const connection = new RealtimeConnection({
    resolveUrl: async () => `ws://test/ws/market/?ticket=t${++ticket}`,
    createSocket: (url) => new FakeSocket(url),
    onMessage: (m) => messages.push(m),
    onStatus: (s) => statuses.push(s),
    random: () => 1,
    pingIntervalMs: 0,
    subscriptions: true,
    ...options,
  });
  return { connection, statuses, messages };
}

async function settle() {
  await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("backoffDelay", () => {
  test("test_the_delay_doubles_per_attempt_up_to_the_cap", () => {
    const backoff = { initialMs: 500, maxMs: 30_000, factor: 2 };
    const delays = [0, 1, 2, 3, 10].map((attempt) => backoffDelay(attempt, backoff, () => 1));
    expect(delays).toEqual([500, 1000, 2000, 4000, 30_000]);
  });

  test("test_jitter_keeps_the_delay_between_half_and_all_of_the_step", () => {
    const backoff = { initialMs: 1000, maxMs: 30_000, factor: 2 };
    expect(backoffDelay(0, backoff, () => 0)).toBe(500);
    expect(backoffDelay(0, backoff, () => 0.5)).toBe(750);
  });
});

describe("RealtimeConnection", () => {
  test("test_subscriptions_are_sent_once_open_and_again_after_a_reconnect", async () => {
    // Given a connection with two symbols wanted before it opens
    const { connection } = connect();
    connection.addSymbols(["FPT", "vnm"]);
    connection.start();
    await settle();
    const first = FakeSocket.last();
    first.open();
    expect(first.sent).toEqual([{ action: "subscribe", symbols: ["FPT", "VNM"] }]);

    // When the connection drops and the backoff elapses
    first.drop();
    await vi.advanceTimersByTimeAsync(500);
    const second = FakeSocket.last();
    expect(second).not.toBe(first);
    second.open();

    // Then the new socket re-subscribes to the same symbols
    expect(second.sent).toEqual([{ action: "subscribe", symbols: ["FPT", "VNM"] }]);
    connection.stop();
  });

  test("test_every_attempt_gets_a_fresh_url_so_a_single_use_ticket_is_never_reused", async () => {
    const { connection } = connect();
    connection.start();
    await settle();
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(500);
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.created.map((s) => s.url)).toEqual([
      "ws://test/ws/market/?ticket=t1",
      "ws://test/ws/market/?ticket=t2",
      "ws://test/ws/market/?ticket=t3",
    ]);
    connection.stop();
  });

  test("test_reconnect_delays_grow_and_reset_after_a_successful_open", async () => {
    const { connection } = connect();
    connection.start();
    await settle();
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(499);
    expect(FakeSocket.created).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.created).toHaveLength(2);
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(999);
    expect(FakeSocket.created).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.created).toHaveLength(3);
    // An open resets the backoff.
    FakeSocket.last().open();
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSocket.created).toHaveLength(4);
    connection.stop();
  });

  test("test_a_forbidden_close_stops_retrying", async () => {
    const { connection, statuses } = connect({ fatalCloseCodes: [4403] });
    connection.start();
    await settle();
    FakeSocket.last().open();
    FakeSocket.last().drop(4403);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.created).toHaveLength(1);
    expect(statuses.at(-1)).toBe("closed");
  });

  test("test_no_url_means_wait_and_retry_instead_of_connecting", async () => {
    let ready = false;
    const { connection } = connect({ resolveUrl: async () => (ready ? "ws://test/ws/portfolio/1/" : null) });
    connection.start();
    await settle();
    expect(FakeSocket.created).toHaveLength(0);
    ready = true;
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSocket.created).toHaveLength(1);
    connection.stop();
  });

  test("test_symbols_are_reference_counted", async () => {
    const { connection } = connect();
    connection.start();
    await settle();
    const socket = FakeSocket.last();
    socket.open();
    connection.addSymbols(["FPT"]);
    connection.addSymbols(["FPT"]);
    connection.removeSymbols(["FPT"]);
    expect(socket.sent).toEqual([{ action: "subscribe", symbols: ["FPT"] }]);
    connection.removeSymbols(["FPT"]);
    expect(socket.sent.at(-1)).toEqual({ action: "unsubscribe", symbols: ["FPT"] });
    expect(connection.symbols).toEqual([]);
    connection.stop();
  });

  test("test_messages_are_parsed_and_garbage_is_ignored", async () => {
    const { connection, messages } = connect();
    connection.start();
    await settle();
    const socket = FakeSocket.last();
    socket.open();
    socket.receive("not json");
    socket.receive({ no: "type" });
    socket.receive({ type: "pong" });
    expect(messages).toEqual([{ type: "pong" }]);
    connection.stop();
  });

  test("test_pings_keep_the_connection_warm", async () => {
    const { connection } = connect({ pingIntervalMs: 25_000 });
    connection.start();
    await settle();
    const socket = FakeSocket.last();
    socket.open();
    await vi.advanceTimersByTimeAsync(50_000);
    expect(socket.sent.filter((m) => (m as { action: string }).action === "ping")).toHaveLength(2);
    connection.stop();
  });

  test("test_stop_closes_the_socket_and_never_reconnects", async () => {
    const { connection, statuses } = connect();
    connection.start();
    await settle();
    const socket = FakeSocket.last();
    socket.open();
    connection.stop();
    expect(socket.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.created).toHaveLength(1);
    expect(statuses).toEqual(["connecting", "open", "closed"]);
  });
});

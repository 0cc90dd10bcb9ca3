"use client";
// Replaces the root layout, so no NextIntlClientProvider is above it: both languages, from the message files.
import en from "../../messages/en/common.json";
import vi from "../../messages/vi/common.json";

export default function GlobalError({ reset }: { error: Error; reset: () => void }) {
  return (
    <html lang="vi">
      <body style={{ fontFamily: "system-ui", display: "grid", placeItems: "center", minHeight: "100vh" }}>
        <div style={{ textAlign: "center" }}>
          <h1>{vi.somethingWrong}</h1>
          <p lang="en">{en.somethingWrong}</p>
          <button onClick={reset}>
            {vi.tryAgain} · <span lang="en">{en.tryAgain}</span>
          </button>
        </div>
      </body>
    </html>
  );
}

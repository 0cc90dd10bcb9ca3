import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { BoardView } from "@/components/board/board-view";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("board");
  return { title: t("title") };
}

export default function BoardPage() {
  return <BoardView />;
}

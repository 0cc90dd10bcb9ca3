import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { InstrumentView } from "@/components/instrument/instrument-view";

type Props = { params: Promise<{ symbol: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { symbol } = await params;
  return { title: symbol.toUpperCase() };
}

export default async function InstrumentPage({ params }: Props) {
  const { symbol } = await params;
  const clean = decodeURIComponent(symbol).toUpperCase();
  if (!/^[A-Z0-9]{1,12}$/.test(clean)) notFound();
  return <InstrumentView symbol={clean} />;
}

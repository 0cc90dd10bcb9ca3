"use client";
import { useTheme } from "next-themes";
import { Toaster as Sonner, type ToasterProps } from "sonner";

export function Toaster(props: ToasterProps) {
  const { resolvedTheme } = useTheme();
  return (
    <Sonner
      theme={(resolvedTheme as ToasterProps["theme"]) ?? "system"}
      richColors
      closeButton
      position="top-right"
      toastOptions={{ classNames: { toast: "font-sans" } }}
      {...props}
    />
  );
}

"use client";
import { Input } from "@/components/ui/input";
import { groupThousands, parseWhole } from "@/lib/trade/numbers";

/**
 * A whole number (VND or shares) as text: a numeric keyboard on phones, "108.600" and "108600" both
 * accepted, shown with the language's thousands separator once the field is left.
 */
export function WholeNumberInput({
  value,
  onValueChange,
  separator = ".",
  ...props
}: Omit<React.ComponentProps<typeof Input>, "value" | "onChange" | "type"> & { value: string; onValueChange: (text: string) => void; separator?: string }) {
  return (
    <Input
      {...props}
      type="text"
      inputMode="numeric"
      autoComplete="off"
      value={value}
      onChange={(e) => onValueChange(e.target.value)}
      onBlur={(e) => {
        const parsed = parseWhole(value);
        if (parsed.ok) onValueChange(groupThousands(parsed.value, separator));
        props.onBlur?.(e);
      }}
    />
  );
}

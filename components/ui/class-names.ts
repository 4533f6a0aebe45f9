// Joins Tailwind class lists, dropping the falsy ones, so that variants read as plain conditions.
export function cx(...classes: Array<string | false | null | undefined>): string {
  return classes.filter(Boolean).join(" ");
}

"use client";

// The models a playground tab can use, kept fresh by TanStack Query (a model may be added or go
// offline while the page is open); the server renders the first list.
import { useQuery } from "@tanstack/react-query";
import { listPlaygroundModels } from "@/app/(console)/playground/actions";
import type { PlaygroundModel, PlaygroundModelKind } from "./playground-model";

export function usePlaygroundModels(kind: PlaygroundModelKind, initialData: PlaygroundModel[]) {
  return useQuery({ queryKey: ["playground-models", kind], queryFn: () => listPlaygroundModels(kind), initialData, staleTime: 60_000 });
}

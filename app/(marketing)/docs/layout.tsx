import { DocsNav } from "@/components/docs/docs-nav";

export default function DocsLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-6 px-4 py-8 sm:px-6 lg:flex-row lg:gap-12 lg:py-12">
      <aside className="lg:w-56 lg:shrink-0">
        <div className="lg:sticky lg:top-6">
          <DocsNav />
        </div>
      </aside>
      <article className="min-w-0 max-w-3xl flex-1">{children}</article>
    </div>
  );
}

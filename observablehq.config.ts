// Observable Framework configuration. Everything is bundled from node_modules (no CDN), so the
// site builds offline: see README, "Building offline".
export default {
  title: "HeapForge",
  root: "src",
  output: "dist",
  globalStylesheets: [],
  style: "style.css",
  head: '<link rel="icon" href="data:,">',
  pages: [
    { name: "The race", path: "/" },
    { name: "The six allocators", path: "/allocators" },
    {
      name: "Strategies",
      open: true,
      pages: [
        { name: "Bump", path: "/strategies/bump" },
        { name: "Free list", path: "/strategies/freelist" },
        { name: "Segregated fit", path: "/strategies/segfit" },
        { name: "Buddy", path: "/strategies/buddy" },
        { name: "Slab", path: "/strategies/slab" },
        { name: "TLSF", path: "/strategies/tlsf" },
      ],
    },
    { name: "The allocators you can pick", path: "/native" },
    {
      name: "Workloads",
      open: true,
      pages: [
        { name: "Redis cache", path: "/workloads/redis-cache" },
        { name: "nginx requests", path: "/workloads/nginx-requests" },
        { name: "Python REPL", path: "/workloads/python-repl" },
        { name: "Adversarial lattice", path: "/workloads/adversarial" },
        { name: "Larson server", path: "/workloads/larson" },
      ],
    },
    {
      name: "Labs",
      open: true,
      pages: [
        { name: "Provoking external fragmentation", path: "/labs/external-fragmentation" },
        { name: "Placement policies", path: "/labs/placement" },
        { name: "Size classes and internal fragmentation", path: "/labs/size-classes" },
        { name: "Mixing lifetimes", path: "/labs/lifetimes" },
        { name: "How free() finds a size class", path: "/labs/free-lookup" },
        { name: "A leak or fragmentation?", path: "/labs/leak-or-fragmentation" },
        { name: "Where big requests go", path: "/labs/big-requests" },
      ],
    },
    { name: "Your trace", path: "/trace" },
    { name: "Methodology", path: "/methodology" },
  ],
  footer: "HeapForge — allocators written from scratch in TypeScript, raced over one allocation stream.",
  search: false,
  linkify: true,
};

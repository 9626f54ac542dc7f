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
    { name: "The allocators", path: "/allocators" },
  ],
  footer: "HeapForge — allocators written from scratch in TypeScript, raced over one allocation stream.",
  search: false,
  linkify: true,
};

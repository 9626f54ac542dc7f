import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Property tests and races are CPU-bound; two cores are all there is.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});

/* Test setup: unmount what a test rendered before the next one starts. */
import { afterEach } from "vitest";
import { cleanup } from "@testing-library/react";

afterEach(() => {
  cleanup();
});

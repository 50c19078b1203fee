/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Where the service is, e.g. "http://127.0.0.1:8000" or "/api"; "" for the same origin. */
  readonly VITE_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}

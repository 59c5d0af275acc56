// Vite's client types for the browser tests: import.meta.glob and `?url` imports.
/// <reference types="vite/client" />

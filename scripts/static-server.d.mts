// Types for static-server.mjs (plain JS so that `npm run demo:web` needs no compiler).
export interface StaticServerOptions {
  root: string;
  port?: number;
  headers?: Record<string, string>;
  index?: string;
  only?: string[] | null;
}
export interface StaticServer {
  url: string;
  port: number;
  close(): Promise<void>;
}
export function startStaticServer(options: StaticServerOptions): Promise<StaticServer>;

// Types for static-server.mjs (plain JS so that `npm run demo:web` needs no compiler).
import type { IncomingMessage, ServerResponse } from 'node:http';
export interface StaticHandlerOptions {
  root: string;
  headers?: Record<string, string>;
  index?: string;
  only?: string[] | null;
}
export interface StaticServerOptions extends StaticHandlerOptions {
  port?: number;
}
export interface StaticServer {
  url: string;
  port: number;
  close(): Promise<void>;
}
export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
export function staticHandler(options: StaticHandlerOptions): Handler;
export function startStaticServer(options: StaticServerOptions): Promise<StaticServer>;
export function listen(handler: Handler, port?: number): Promise<StaticServer>;

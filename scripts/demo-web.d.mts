// Types for demo-web.mjs, which the demo page test imports.
import type { StaticServer } from './static-server.mjs';
export declare const ISOLATION_HEADERS: Record<string, string>;
export function startDemoServer(port?: number): Promise<StaticServer>;

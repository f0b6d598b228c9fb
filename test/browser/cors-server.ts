/**
 * A plain static file server with Range and CORS, as a browser reading an HDF5 file from another
 * origin needs: preflights answered, Content-Range and ETag exposed. It counts GETs per path, which
 * the browser tests read back through /__requests to check request counts from the server's side.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': '*',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, ETag, Last-Modified, Accept-Ranges',
};

export interface CorsServer {
  url: string;
  close(): Promise<void>;
}

export async function startCorsServer(files: Map<string, Uint8Array>): Promise<CorsServer> {
  const gets = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    if (req.method === 'OPTIONS') return void res.writeHead(204, { ...CORS, 'Access-Control-Max-Age': '600' }).end();
    if (path === '/__requests') {
      res.writeHead(200, { ...CORS, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      return void res.end(JSON.stringify(Object.fromEntries(gets)));
    }
    // /no-cors/NAME: the same file with no CORS headers at all, as a server nobody configured for browsers.
    if (path.startsWith('/no-cors/')) {
      if (req.method === 'GET') gets.set(path, (gets.get(path) ?? 0) + 1);
      const file = files.get(path.slice('/no-cors'.length));
      return void (file ? res.writeHead(200, { 'Content-Length': String(file.length) }).end(req.method === 'HEAD' ? undefined : file) : res.writeHead(404).end());
    }
    const body = files.get(path);
    if (!body) return void res.writeHead(404, CORS).end('not found');
    const headers: Record<string, string> = { ...CORS, 'Accept-Ranges': 'bytes', ETag: `"${body.length}-v1"`, 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store' };
    if (req.method === 'GET') gets.set(path, (gets.get(path) ?? 0) + 1);
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!m) {
      res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }
    const start = Number(m[1]);
    const end = Math.min(m[2] ? Number(m[2]) : body.length - 1, body.length - 1);
    if (start >= body.length) return void res.writeHead(416, { ...headers, 'Content-Range': `bytes */${body.length}` }).end();
    res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${body.length}`, 'Content-Length': String(end - start + 1) });
    res.end(req.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// The API: GET / returns the version, GET /health-check is what the load balancer and ECS probe.
import { createServer, type Server } from 'node:http';
import { VERSION } from './version.ts';

export function createApp(version: string = VERSION, healthy: () => boolean = () => true): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ service: 'test-api', version }));
      return;
    }
    if (req.method === 'GET' && path === '/health-check') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'OK' : 'unhealthy');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
}

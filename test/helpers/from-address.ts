import { request } from 'node:http';

/** An HTTP answer, read like a fetch Response. */
export interface FromAnswer { readonly status: number; readonly headers: Headers; text(): Promise<string> }

/**
 * Sends one HTTP request from a chosen loopback source address (127.0.0.2, 127.0.0.3, …: Linux
 * routes all of 127.0.0.0/8 to lo), so a test can play several clients against one server.
 */
export function requestFrom(localAddress: string, url: string, init: { method: string; headers: Record<string, string>; body?: string | Uint8Array }): Promise<FromAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method, headers: init.headers, localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers, text: async () => text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

import { createServer, Server, Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that a test can cut, blackhole and restore, to take the
 * database away from a running server without stopping the PostgreSQL every other suite uses.
 */
export class TcpProxy {
  private server: Server;
  private readonly sockets = new Set<Socket>();
  /** `up` forwards; `down` refuses and closes; `blackhole` keeps connections open and drops every byte. */
  private mode: 'up' | 'down' | 'blackhole' = 'up';
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Drops every open connection; new ones are closed at once, as by a database that is down. */
  cut(): void {
    this.mode = 'down';
    for (const socket of this.sockets) socket.destroy();
  }

  /**
   * Stops forwarding without closing anything, as a network that silently drops packets: open
   * connections stay open and new ones are accepted, and every byte either way is lost. The
   * proxy's own kernel still acknowledges them, so TCP keepalive cannot notice either: only the
   * server's own timeouts can.
   */
  blackhole(): void {
    this.mode = 'blackhole';
  }

  restore(): void {
    this.mode = 'up';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'down') {
      client.destroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
      // Bytes that arrive while blackholed are lost, not delayed: the streams stay out of step.
      a.on('data', (chunk) => {
        if (this.mode === 'up') b.write(chunk);
      });
    }
  }
}

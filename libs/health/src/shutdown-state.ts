import { Injectable } from '@nestjs/common';

/** Whether the server is draining: readiness turns red and responses ask clients to reconnect. */
@Injectable()
export class ShutdownState {
  draining = false;
}

import { Injectable } from '@nestjs/common';

/**
 * Whether this instance should receive new traffic, beyond what the probes check themselves.
 * Shutdown marks it draining first, so the load balancer stops sending clients here at once
 * while the open streams are still being ended.
 */
@Injectable()
export class Readiness {
  private draining = false;

  get isDraining(): boolean {
    return this.draining;
  }

  markDraining(): void {
    this.draining = true;
  }
}

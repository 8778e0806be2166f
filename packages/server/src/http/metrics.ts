import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UploadObserver } from '../services/upload-service';
import { ROUTE_TEMPLATE_LOCAL } from './route-table';

/** The registry's Prometheus metrics; one set per app so several apps can share a process in tests. */
export class RegistryMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'berth_http_requests_total',
    help: 'HTTP requests by route template, method and status.',
    labelNames: ['route', 'method', 'status'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'berth_http_request_duration_seconds',
    help: 'HTTP request duration by route template and method.',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly bytesIn = new Counter({
    name: 'berth_blob_bytes_received_total',
    help: 'Blob bytes received from clients.',
    registers: [this.registry],
  });
  private readonly bytesOut = new Counter({
    name: 'berth_blob_bytes_sent_total',
    help: 'Blob bytes sent to clients through this process (redirected pulls are not counted).',
    registers: [this.registry],
  });
  private readonly activeUploads = new Gauge({
    name: 'berth_upload_sessions_active',
    help: 'Upload sessions opened by this process and not yet finished or cancelled.',
    registers: [this.registry],
  });
  private readonly janitorDiscards = new Counter({
    name: 'berth_upload_janitor_discarded_total',
    help: 'Blob-store writes of abandoned uploads discarded by this process.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'berth_' });
  }

  /** Times every request and counts it under its route template once the response is done. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const stopTimer = this.duration.startTimer();
      res.once('close', () => {
        const route = (res.locals[ROUTE_TEMPLATE_LOCAL] as string | undefined) ?? 'unmatched';
        stopTimer({ route, method: req.method });
        this.requests.inc({ route, method: req.method, status: String(res.statusCode) });
      });
      next();
    };
  }

  /** Feeds upload activity into the metrics. */
  readonly uploads: UploadObserver = {
    sessionOpened: () => this.activeUploads.inc(),
    sessionClosed: () => this.activeUploads.dec(),
    bytesReceived: (bytes) => this.bytesIn.inc(bytes),
  };

  /** Counts blob bytes sent. */
  readonly bytesSent = (bytes: number): void => this.bytesOut.inc(bytes);

  /** Counts one abandoned upload's write discarded by the upload janitor. */
  readonly abandonedUploadDiscarded = (): void => this.janitorDiscards.inc();
}

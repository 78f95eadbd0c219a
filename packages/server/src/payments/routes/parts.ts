/** What the payment routes work with: the module's service and store (from `PaymentsModule.attach`). */
import type { PaymentService } from '../service.js';
import type { PaymentStore } from '../store/port.js';

export interface RouteParts {
  service: PaymentService;
  store: PaymentStore;
}

import { describeCoordinatorContract } from '../contract/coordinator.contract';
import { MemoryCoordinator } from './memory-coordinator';

describeCoordinatorContract('memory', async () => {
  const coordinator = new MemoryCoordinator();
  return { coordinator, sibling: () => coordinator, cleanup: () => coordinator.close() };
});

// `@egress/e2e`: the whole-stack helpers that bench/ drives. e2e is never built, so this entry
// points at the sources and loads under tsx only.
export {
  DEMO_API_KEY,
  DEMO_API_SECRET,
  type StackBot,
  startEgressStack,
} from './demo/egress-stack.js';
export { statusName } from './demo/egress-watch.js';
export { recordRoomCompositeMp4 } from './test-stack.js';

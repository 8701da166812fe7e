import type { TriageApi } from '../../src-main/contract/api.js';

export type LiveState = 'connected' | 'disconnected';

/** The contract plus whether live updates currently flow, so the UI can say so and refresh after a gap. */
export interface LiveApi extends TriageApi {
  onLiveState(listener: (state: LiveState) => void): () => void;
  /** True in Electron, whose main process shows critical-finding notifications; the page shows them in browser mode. */
  readonly notifiesNatively: boolean;
}

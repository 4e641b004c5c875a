// Live blocks from GET /v1/stream (server-sent events: "head" on connect, "block" per commit).
export interface BlockEvent {
  height: number;
  block_hash: string;
  tx_count: number;
  time_ms: number;
  log_size: number;
}

export function subscribeBlocks(onBlock: (b: BlockEvent, kind: 'head' | 'block') => void, onState?: (live: boolean) => void): () => void {
  if (typeof EventSource === 'undefined') {
    onState?.(false);
    return () => {};
  }
  const source = new EventSource('/v1/stream');
  const handler = (kind: 'head' | 'block') => (ev: MessageEvent) => {
    try {
      onBlock(JSON.parse(ev.data as string) as BlockEvent, kind);
    } catch {
      // a malformed event is skipped; the next one carries the new head anyway
    }
  };
  source.addEventListener('head', handler('head') as EventListener);
  source.addEventListener('block', handler('block') as EventListener);
  source.addEventListener('message', handler('block') as EventListener);
  source.onopen = () => onState?.(true);
  source.onerror = () => onState?.(source.readyState === EventSource.OPEN);
  return () => source.close();
}

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { isNotAvailable } from '../../api-client';
import { loadDemo } from './api';

/** On an empty workspace: load a demo organisation to explore the product with. */
export function DemoOffer() {
  const queryClient = useQueryClient();
  const load = useMutation({ mutationFn: () => loadDemo(), onSuccess: () => queryClient.invalidateQueries() });
  return (
    <section className="demo-offer" aria-label="Demo workspace">
      <p>
        <strong>Nothing measured yet.</strong> Load a demo organisation (6 teams, 6 months of events sent through the real ingest endpoints) to explore, and remove it later
        in Settings.
      </p>
      <div>
        <button type="button" className="primary" onClick={() => load.mutate()} disabled={load.isPending || load.isSuccess}>
          {load.isPending ? 'Loading the demo…' : load.isSuccess ? 'Demo loaded' : 'Load the demo'}
        </button>
        {load.data ? (
          <p role="status">
            {load.data.events.toLocaleString('en-US')} events sent. The pipeline processes them in the background: the charts fill in within minutes (progress in
            Settings → Pipeline).
          </p>
        ) : null}
        {load.isError ? (
          <p className="form-error" role="alert">
            {isNotAvailable(load.error) ? 'The demo loader is not available in this server version yet.' : load.error.message}
          </p>
        ) : null}
      </div>
    </section>
  );
}

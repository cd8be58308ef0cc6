import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ApiError, detectSession, getSession } from './api-client';
import { App } from './app';
import { prefetchRouteData, preloadRoute } from './router/routes';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx or 501 will not change by asking again; a network error or a 5xx may.
      retry: (failures, error) => failures < 1 && (!(error instanceof ApiError) || error.status === 0 || (error.status >= 500 && error.status !== 501)),
      refetchOnWindowFocus: false,
    },
  },
});

// Fetch the page's code while the session is being checked, and its first numbers as soon as it is.
preloadRoute(window.location.pathname);
void detectSession().then(() => {
  if (getSession().status === 'signed-in') prefetchRouteData(queryClient, window.location.pathname, new URLSearchParams(window.location.search));
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);

"""Redis adapters: call state, the sign-in throttle, stream tickets, shared flow versions, the funnel's queue, and the connection (one server or Sentinel)."""

"""The runtime's ports made real: Redis (call state, throttle, stream tickets, flow versions, the funnel's queue), SQL (accounts, audit, migrations) and Prometheus metrics."""

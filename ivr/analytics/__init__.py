"""Where callers give up: the funnel's call events, written by every app process and read by the console.

``events`` turns a turn into rows (pure), ``journal`` queues them in Redis from the call path (one round
trip a turn), ``store`` moves them into the SQL table ``call_events`` and answers the console's questions.
"""

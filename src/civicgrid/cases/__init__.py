"""Cases: citizen requests, their workflow, deadlines, timeline and metrics."""

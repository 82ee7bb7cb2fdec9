"""What the register says about itself: the /metrics exporter, /health/detailed, and who may read them."""

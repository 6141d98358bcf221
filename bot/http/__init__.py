"""The service's HTTP server: health check and the webhook endpoints channels install."""

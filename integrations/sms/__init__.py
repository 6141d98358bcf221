"""SMS through the Twilio REST API (``twilio`` package) or any provider with the same shape."""

"""HTTP and WebSocket endpoints, one blueprint per resource."""

"""Built-in middleware, one module each."""

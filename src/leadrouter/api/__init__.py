"""The HTTP edge: FastAPI app factory, routes, schemas, auth, problem+json."""

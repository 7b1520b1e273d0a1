"""The routing policy document: versioned YAML/JSON, validated by Pydantic."""
